import { textSetting } from "@gatehouse/config";

/** Where gatehouse.json is: the auth module and the graphs every service loads (README, "Configuration"). */
export const gatehouseConfigSettings = {
  configPath: textSetting("GATEHOUSE_CONFIG", "gatehouse.json: the auth module and the graphs", "gatehouse.json"),
};
