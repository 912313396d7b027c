import { textSetting } from "@gatehouse/config";

/** Where gatehouse.json is: the auth module, the graphs and the custom routes' app every service loads (README, "Configuration"). */
export const gatehouseConfigSettings = {
  configPath: textSetting("GATEHOUSE_CONFIG", "gatehouse.json: the auth module, the graphs and the custom routes' app", "gatehouse.json"),
};
