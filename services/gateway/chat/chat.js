// The tutorial's chat page: talks to the gateway's LangGraph HTTP API with the
// chosen user's token, exactly as the LangGraph SDK would.

const assistant = "agent";
let token = "";
let threadId = "";

const $ = (selector) => document.querySelector(selector);

function headers() {
  return { authorization: `Bearer ${token}`, "content-type": "application/json" };
}

/** Calls the API; resolves to the JSON answer, or rejects with { status, detail }. */
async function api(method, path, body) {
  const response = await fetch(path, { method, headers: headers(), body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    const detail = await response.json().then((answer) => answer.detail, () => response.statusText);
    throw { status: response.status, detail };
  }
  return response.status === 204 ? undefined : response.json();
}

function status(text, refused = false) {
  $("#status").textContent = text;
  $("#status").classList.toggle("refused", refused);
}

function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part === "string" ? part : (part.text ?? ""))).join("");
  return "";
}

function showMessage(type, text, id) {
  const item = document.createElement("li");
  item.className = type === "human" ? "human" : "ai";
  item.textContent = text;
  if (id) item.dataset.id = id;
  $("#messages").append(item);
  return item;
}

function showConversation(messages) {
  $("#messages").replaceChildren();
  for (const message of messages ?? []) showMessage(message.type, textOf(message.content), message.id);
}

function setComposer(enabled) {
  $("#message").disabled = !enabled;
  $("#send-form button").disabled = !enabled;
}

async function listThreads() {
  const threads = await api("POST", "/threads/search", { limit: 50 });
  const list = $("#threads");
  list.replaceChildren();
  for (const thread of threads) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = thread.thread_id;
    button.setAttribute("aria-current", String(thread.thread_id === threadId));
    button.addEventListener("click", () => openThread(thread.thread_id));
    const item = document.createElement("li");
    item.append(button);
    list.append(item);
  }
}

async function openThread(id) {
  try {
    const state = await api("GET", `/threads/${encodeURIComponent(id)}/state`);
    threadId = id;
    showConversation(state.values?.messages);
    status(`Conversation ${id}`);
    setComposer(true);
  } catch (error) {
    threadId = "";
    $("#messages").replaceChildren();
    setComposer(false);
    status(`Refused: ${error.detail} (HTTP ${error.status})`, true);
  }
  await listThreads().catch(() => {});
}

async function newThread() {
  const thread = await api("POST", "/threads", {});
  await openThread(thread.thread_id);
}

/** Reads an SSE response body, calling onEvent(event, data) for each event. */
async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let pendingCr = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    // Lines end in CRLF (as LangGraph servers send), LF or CR. A CR that ends a chunk may be half of a
    // CRLF, so it waits for the next chunk before it counts.
    const chunk = pendingCr + value;
    pendingCr = chunk.endsWith("\r") ? "\r" : "";
    text += chunk.slice(0, chunk.length - pendingCr.length).replace(/\r\n?/g, "\n");
    let end;
    while ((end = text.indexOf("\n\n")) !== -1) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) onEvent(event, JSON.parse(data.join("\n")));
    }
  }
}

async function send(text) {
  showMessage("human", text);
  setComposer(false);
  status("The bot is answering…");
  const response = await fetch(`/threads/${encodeURIComponent(threadId)}/runs/stream`, {
    method: "POST",
    headers: headers(),
    body: JSON.stringify({ assistant_id: assistant, input: { messages: [{ role: "user", content: text }] }, stream_mode: ["messages-tuple"] }),
  });
  if (!response.ok) {
    const detail = await response.json().then((answer) => answer.detail, () => response.statusText);
    status(`Refused: ${detail} (HTTP ${response.status})`, true);
    return;
  }
  const replies = new Map();
  await readEvents(response, (event, data) => {
    if (event === "error") status(`The run failed: ${data.message ?? data.error}`, true);
    if (event !== "messages") return;
    const [chunk] = data;
    if (chunk.type !== "ai" && chunk.type !== "AIMessageChunk") return;
    let bubble = replies.get(chunk.id);
    if (bubble === undefined) {
      bubble = showMessage("ai", "", chunk.id);
      replies.set(chunk.id, bubble);
    }
    bubble.textContent += textOf(chunk.content);
  });
  status(`Conversation ${threadId}`);
  setComposer(true);
  $("#message").focus();
}

function signIn(newToken, name) {
  token = newToken;
  threadId = "";
  for (const button of document.querySelectorAll(".users button")) button.setAttribute("aria-pressed", String(button.dataset.user === name));
  $("main").hidden = false;
  $("#messages").replaceChildren();
  setComposer(false);
  status(`Signed in as ${name}. Start a new conversation or pick one of yours.`);
  listThreads().catch((error) => status(`Refused: ${error.detail} (HTTP ${error.status})`, true));
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll(".users button")) {
    button.addEventListener("click", () => signIn(button.dataset.token, button.dataset.user));
  }
  $("#token").addEventListener("change", (event) => signIn(event.target.value.trim(), "the token's user"));
  $("#new-thread").addEventListener("click", () => newThread().catch((error) => status(`Refused: ${error.detail}`, true)));
  $("#open-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("#open-id").value.trim();
    if (id) void openThread(id);
  });
  $("#send-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("#message").value.trim();
    if (!text || !threadId) return;
    $("#message").value = "";
    send(text).catch((error) => status(`The request failed: ${error.detail ?? error}`, true));
  });
});
