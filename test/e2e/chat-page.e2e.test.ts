import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

const chromiumPath = "/usr/bin/chromium";

let gatehouse: TestGatehouse;
let browser: Browser;

beforeAll(async () => {
  // The project's install script puts Debian's chromium here; a missing browser is a failed set-up, not a skip.
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: run scripts/ensure-system-packages.sh`);
  gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), {}, undefined, { gateway: true, worker: true });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gatehouse?.stop();
});

async function signIn(name: "Alice" | "Bob"): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${gatehouse.gatewayUrl}/chat`);
  await page.getByRole("button", { name, exact: true }).click();
  await expect.poll(() => page.locator("#status").textContent()).toContain(`Signed in as ${name}`);
  return page;
}

async function chat(page: Page, text: string): Promise<string> {
  await page.locator("#message").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
  const reply = page.locator("#messages li.ai").last();
  await expect.poll(() => reply.textContent(), { timeout: 20_000 }).toContain(`You said: "${text}"`);
  await expect.poll(() => page.locator("#message").isDisabled()).toBe(false);
  return (await reply.textContent()) ?? "";
}

describe("the tutorial's chat page in a real browser", () => {
  it("keeps Alice's and Bob's conversations apart, streams the bot's replies, and refuses Bob on Alice's thread", async () => {
    const alice = await signIn("Alice");
    await alice.getByRole("button", { name: "New conversation" }).click();
    await expect.poll(() => alice.locator("#status").textContent()).toMatch(/^Conversation [0-9a-f-]{36}$/);
    const aliceThread = ((await alice.locator("#status").textContent()) ?? "").replace("Conversation ", "");
    expect(await chat(alice, "Hi, I am Alice")).toContain("Hello Alice!");
    await expect.poll(() => alice.locator("#threads li").count()).toBe(1);

    const bob = await signIn("Bob");
    await bob.getByRole("button", { name: "New conversation" }).click();
    await expect.poll(() => bob.locator("#status").textContent()).toMatch(/^Conversation /);
    expect(await chat(bob, "Hi, I am Bob")).toContain("Hello Bob!");
    // Bob's list holds only his own conversation.
    await expect.poll(() => bob.locator("#threads li").count()).toBe(1);
    expect(await bob.locator("#threads").textContent()).not.toContain(aliceThread);

    // Bob tries Alice's conversation by its id: refused exactly as a missing one, and nothing of it shown.
    await bob.locator("#open-id").fill(aliceThread);
    await bob.getByRole("button", { name: "Open" }).click();
    await expect.poll(() => bob.locator("#status").textContent()).toContain("HTTP 404");
    expect(await bob.locator("#messages li").count()).toBe(0);
    expect(await bob.locator("#message").isDisabled()).toBe(true);

    // Alice reopens her conversation: both turns are there, and Bob's never appears.
    await alice.reload();
    await alice.getByRole("button", { name: "Alice", exact: true }).click();
    await alice.getByRole("button", { name: aliceThread }).click();
    await expect.poll(() => alice.locator("#messages li").count()).toBe(2);
    expect(await alice.locator("#messages").textContent()).not.toContain("Bob");
  }, 120_000);
});
