// The web chat page: sends what the person types or taps to /chat/api/send and shows
// the answers. Every text from the person or the bot goes in with textContent, never
// as HTML, so nothing anyone writes can become markup or script. The page's own words
// (labels, the offline apology) come from its data- attributes, in the page's language.
"use strict";

(function () {
  const page = document.querySelector("main.chat");
  const transcript = document.getElementById("transcript");
  const typing = document.getElementById("typing");
  const problem = document.getElementById("problem");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const startOver = document.getElementById("start-over");
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const language = page.dataset.language; // "en" or "zh": the assistant answers in it

  const POLL_SECONDS = 3;
  let busy = false;
  let activeChoices = null; // the buttons of the bot's latest question
  // The message that could not be delivered: sending the same again reuses its id, so
  // the assistant processes it once even if the first attempt did reach it.
  let undelivered = null;

  function newMessageId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function messageIdFor(key) {
    return undelivered && undelivered.key === key ? undelivered.id : newMessageId();
  }

  function scrollToEnd() {
    transcript.scrollTop = transcript.scrollHeight;
  }

  function addBubble(role, text) {
    const item = document.createElement("li");
    item.className = "bubble " + role;
    item.dataset.testid = role + "-message";
    const words = document.createElement("p");
    words.textContent = text;
    item.append(words);
    transcript.append(item);
    scrollToEnd();
    return item;
  }

  function addBotMessage(message) {
    const item = addBubble("bot", message.text || "");
    if (message.from_staff) {
      item.classList.add("staff");
      item.dataset.testid = "staff-message";
      const label = document.createElement("span");
      label.className = "sender";
      label.textContent = page.dataset.staffLabel;
      item.prepend(label);
    }
    const buttons = message.buttons || [];
    if (buttons.length === 0) return;
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", page.dataset.choicesLabel);
    for (const choice of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.dataset.testid = "choice";
      button.dataset.payload = choice.payload;
      button.textContent = choice.title;
      button.addEventListener("click", () => press(button, group));
      group.append(button);
    }
    item.append(group);
    activeChoices = group;
  }

  function addResultCard(result) {
    const card = document.createElement("li");
    card.className = "result-card";
    card.dataset.testid = "result-card";
    card.dataset.route = result.route;
    const title = document.createElement("h2");
    title.textContent = result.title;
    card.append(title);
    if (result.summary) {
      const summary = document.createElement("p");
      summary.className = "summary";
      summary.textContent = result.summary;
      card.append(summary);
    }
    if (result.route === "emergency") {
      const number = page.dataset.emergencyNumber;
      const call = document.createElement("a");
      call.className = "call";
      call.href = "tel:" + number;
      call.textContent = page.dataset.callLabel + " " + number;
      card.append(call);
    }
    if (result.reasons && result.reasons.length) {
      const heading = document.createElement("h3");
      heading.textContent = page.dataset.whyLabel;
      const list = document.createElement("ul");
      list.className = "reasons";
      for (const reason of result.reasons) {
        const item = document.createElement("li");
        item.textContent = reason;
        list.append(item);
      }
      card.append(heading, list);
    }
    transcript.append(card);
    return card;
  }

  function setChoicesEnabled(group, enabled) {
    const groups = group ? [group] : transcript.querySelectorAll(".choices");
    for (const each of groups) {
      for (const button of each.querySelectorAll("button")) button.disabled = !enabled;
    }
  }

  function showProblem(text) {
    problem.textContent = text || "";
    problem.hidden = !text;
  }

  // Renders one answer of the API (and, later, staff replies fetched by polling).
  function showAnswer(answer) {
    // The result card comes first: the headline, then the bot's details and buttons.
    const card = answer.result ? addResultCard(answer.result) : null;
    for (const message of answer.messages || []) addBotMessage(message);
    if (card) {
      card.scrollIntoView({ block: "start" }); // on a phone the details follow below
    } else {
      scrollToEnd();
    }
  }

  async function post(body) {
    let response;
    try {
      response = await fetch("/chat/api/send", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
        body: JSON.stringify(Object.assign({ language }, body)),
      });
    } catch (networkError) {
      throw new Error(page.dataset.offlineText);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (notJson) {
      data = null;
    }
    if (!response.ok || !data) {
      throw new Error((data && data.error) || page.dataset.offlineText);
    }
    return data;
  }

  // Sends one message; `onFail` puts things back so nothing the person did is lost.
  async function deliver(body, { onSuccess, onFail } = {}) {
    busy = true;
    page.setAttribute("aria-busy", "true");
    showProblem("");
    typing.hidden = false;
    scrollToEnd();
    try {
      const answer = await post(body);
      undelivered = null;
      if (onSuccess) onSuccess();
      showAnswer(answer);
    } catch (failure) {
      showProblem(failure.message);
      if (onFail) onFail();
    } finally {
      busy = false;
      page.removeAttribute("aria-busy");
      typing.hidden = true;
    }
  }

  function sendText(text) {
    const key = "message:" + text;
    const id = messageIdFor(key);
    const bubble = addBubble("user", text);
    const choices = activeChoices;
    setChoicesEnabled(null, false); // typing answers the latest question: old buttons are done
    input.value = "";
    deliver({ message: text, message_id: id }, {
      onFail() {
        bubble.remove();
        undelivered = { key, id };
        input.value = input.value ? text + " " + input.value : text;
        setChoicesEnabled(choices, true);
        input.focus();
      },
    });
  }

  function press(button, group) {
    if (busy) return;
    const title = button.textContent;
    const payload = button.dataset.payload;
    const key = "payload:" + payload;
    const id = messageIdFor(key);
    setChoicesEnabled(null, false);
    const bubble = addBubble("user", title);
    deliver({ payload, title, message_id: id }, {
      onFail() {
        bubble.remove();
        undelivered = { key, id };
        setChoicesEnabled(group, true);
      },
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    sendText(text);
  });

  startOver.addEventListener("click", () => {
    if (busy) return;
    const title = startOver.textContent;
    const bubble = addBubble("user", title);
    deliver({ payload: "/start_over", title, message_id: newMessageId() }, {
      onSuccess() {
        transcript.replaceChildren(bubble);
        activeChoices = null;
      },
      onFail() {
        bubble.remove();
      },
    });
  });

  // Messages sent outside an answer (a staff member's reply, the bot taking over again)
  // wait in the outbox: collect them every few seconds while the page is open.
  let lastOutboxId = 0;
  async function collect() {
    try {
      const response = await fetch("/chat/api/messages?after=" + lastOutboxId, {
        credentials: "same-origin",
      });
      if (response.ok) {
        const data = await response.json();
        lastOutboxId = data.last;
        if ((data.messages || []).length) showAnswer({ messages: data.messages });
      }
    } catch (offline) {
      // Try again at the next tick; the send path reports connection problems.
    }
  }

  // A greeting on arrival; in the middle of a check the bot repeats its question instead.
  deliver({ payload: "/greet", message_id: newMessageId() }).then(() => {
    collect();
    setInterval(collect, POLL_SECONDS * 1000);
  });
})();
