// The hearing form: saves what the observer types, a second after they stop, and never drops a change.
// Unsent changes stay queued (newest value per field) and are retried with back-off until the server
// acknowledges them; only then does the page say "Saved at …". They are also kept in this tab's
// sessionStorage until acknowledged, and sent with keepalive when the page is hidden or closed, so a reload
// or a closed tab loses nothing: a change the server may not have is offered back when the page returns.
"use strict";

(function () {
  const form = document.getElementById("hearing-form");
  if (!form) return;
  const msg = form.dataset;
  const statusLine = document.getElementById("save-status");
  const pending = new Map(); // field key -> change (latest value wins)
  let inFlight = null; // the batch being sent
  let inFlightBatch = []; // its changes, kept in the journal until acknowledged
  const JOURNAL = "monitor.unsaved." + form.dataset.saveUrl;
  let timer = null;
  let retryDelay = 2;
  const MAX_BATCH = 400;

  // A control's context (target, uuid, subject, item, defendant) is on it or on its closest ancestor
  // that has data-target; its field is its own data-field.
  function contextOf(el) {
    const holder = el.dataset.target ? el : el.closest("[data-target]");
    return Object.assign({}, holder ? holder.dataset : {}, { field: el.dataset.field || "" });
  }

  function saves(el) {
    return Boolean(el.dataset && (el.dataset.target || (el.dataset.field && el.closest("[data-target]"))));
  }

  function keyOf(el) {
    const d = contextOf(el);
    return [d.target, d.uuid || "", d.subject || "", d.item || "", d.defendant || "", d.field].join("|");
  }

  function valueOf(el) {
    const d = contextOf(el);
    if (el.type === "radio") {
      const checked = form.querySelector(`input[type=radio][name="${CSS.escape(el.name)}"]:checked`);
      return checked ? checked.value : "";
    }
    if (el.type === "checkbox" && el.name) {
      // a group of checkboxes is one list-valued field
      return Array.from(form.querySelectorAll(`input[type=checkbox][name="${CSS.escape(el.name)}"]:checked`)).map(
        (box) => box.value,
      );
    }
    if (el.type === "checkbox") return d.target === "presence" ? el.checked : el.checked ? 1 : 0;
    return el.value;
  }

  function changeOf(el) {
    const d = contextOf(el);
    const change = { id: keyOf(el), target: d.target, value: valueOf(el) };
    if (d.field) change.field = d.field;
    if (d.uuid) change.uuid = d.uuid;
    if (d.target === "answer") {
      change.subject = d.subject || "";
      change.item = d.item;
    }
    if (d.defendant) change.defendant = d.defendant;
    return change;
  }

  function setStatus(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "save-status" + (kind ? " " + kind : "");
  }

  // The journal: every change not yet acknowledged, in this tab only (sessionStorage: gone with the tab).
  function remember() {
    const unsaved = {};
    inFlightBatch.forEach((change) => (unsaved[change.id] = change));
    pending.forEach((change, id) => (unsaved[id] = change));
    try {
      if (Object.keys(unsaved).length) window.sessionStorage.setItem(JOURNAL, JSON.stringify(unsaved));
      else window.sessionStorage.removeItem(JOURNAL);
    } catch (storageError) {
      // storage full or refused: the page still saves as before
    }
  }

  function queue(el) {
    pending.set(keyOf(el), changeOf(el));
    remember();
    setStatus(msg.msgUnsaved, "unsaved");
    clearTimeout(timer);
    timer = setTimeout(send, 1000);
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  function showErrors(errors) {
    form.querySelectorAll(".field-error:not([hidden])").forEach((p) => {
      p.hidden = true;
      p.textContent = "";
    });
    errors.forEach((error) => {
      const el = Array.from(form.querySelectorAll("[data-field], [data-target]")).find((e) => saves(e) && keyOf(e) === error.id);
      const box = el && el.closest(".field, .item");
      const slot = box && box.querySelector(".field-error");
      if (slot) {
        slot.textContent = error.message;
        slot.hidden = false;
      }
    });
  }

  async function send() {
    clearTimeout(timer);
    if (inFlight || pending.size === 0) return inFlight;
    // At most MAX_BATCH changes a request (the server's limit is 500); the rest follow at once.
    const batch = Array.from(pending.values()).slice(0, MAX_BATCH);
    batch.forEach((change) => pending.delete(change.id));
    inFlightBatch = batch;
    setStatus(msg.msgSaving, "saving");
    inFlight = (async () => {
      let response;
      try {
        response = await window.monitorFetch(form.dataset.saveUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ changes: batch }),
        });
      } catch (networkError) {
        response = null;
      }
      inFlight = null;
      inFlightBatch = [];
      if (response && response.ok) {
        remember();
        const body = await response.json();
        retryDelay = 2;
        showErrors(body.errors || []);
        if (pending.size) return send();
        setStatus(
          body.errors && body.errors.length ? msg.msgRefused : `${msg.msgSaved} ${clock(body.saved_at)}`,
          body.errors && body.errors.length ? "failed" : "saved",
        );
        return;
      }
      if (response && response.status === 409) {
        setStatus(msg.msgLocked, "failed");
        return;
      }
      // Not saved: put the batch back (unless the field changed again meanwhile) and try again later.
      batch.forEach((change) => {
        if (!pending.has(change.id)) pending.set(change.id, change);
      });
      remember();
      const signedOut = response && (response.status === 400 || response.status === 401 || response.status === 403 || response.redirected);
      setStatus(signedOut ? msg.msgSignedOut : msg.msgFailed.replace("{s}", retryDelay), "failed");
      timer = setTimeout(send, retryDelay * 1000);
      retryDelay = Math.min(retryDelay * 2, 30);
    })();
    return inFlight;
  }

  async function flush() {
    while (pending.size || inFlight) {
      await (inFlight || send());
      if (pending.size && !inFlight) {
        await send();
        if (pending.size) return false; // the server is unreachable
      }
    }
    return true;
  }

  form.addEventListener("input", (event) => {
    const el = event.target;
    if (saves(el) && el.type !== "radio" && el.type !== "checkbox") queue(el);
  });
  form.addEventListener("change", (event) => {
    const el = event.target;
    if (!saves(el)) return;
    queue(el);
    if (el.closest(".item") && el.dataset.field === "value") {
      el.closest(".item").classList.toggle("answered", Boolean(valueOf(el)));
      countUnanswered();
    }
  });

  // Forms that leave the page (add a witness, submit) first make sure every change has reached the server.
  form.querySelectorAll("form[data-flush]").forEach((f) => {
    f.addEventListener("submit", async (event) => {
      if (event.defaultPrevented) return;
      event.preventDefault();
      if (await flush()) HTMLFormElement.prototype.submit.call(f);
    });
  });

  // Links to another part of the form (next defendant) also wait until everything is saved.
  form.querySelectorAll("a[data-flush]").forEach((link) => {
    link.addEventListener("click", async (event) => {
      if (!pending.size && !inFlight) return;
      event.preventDefault();
      if (await flush()) window.location.href = link.href;
    });
  });

  // Hidden or closed: send what is not acknowledged yet with keepalive, which outlives the page. Its
  // answer cannot be read any more, so the journal stays: the page that comes back checks it.
  function sendBeforeLeaving() {
    const unsaved = inFlightBatch.concat(Array.from(pending.values())).slice(0, MAX_BATCH);
    if (!unsaved.length) return;
    remember();
    try {
      window.monitorFetch(form.dataset.saveUrl, {
        method: "POST",
        keepalive: true,
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ changes: unsaved }),
      }).catch(() => {});
    } catch (sendError) {
      // a body over the keepalive limit: the journal still has it
    }
  }
  window.addEventListener("pagehide", sendBeforeLeaving);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") sendBeforeLeaving();
  });

  // Back on the page: what the journal holds and the page does not show was perhaps never saved.
  function sameValue(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  function controlOf(change) {
    return Array.from(form.querySelectorAll("[data-field], [data-target]")).find(
      (el) => saves(el) && keyOf(el) === change.id && (el.type !== "radio" || el.value === change.value || !change.value),
    );
  }
  function offerUnsaved() {
    let unsaved;
    try {
      unsaved = JSON.parse(window.sessionStorage.getItem(JOURNAL) || "{}");
    } catch (parseError) {
      unsaved = {};
    }
    const lost = Object.values(unsaved).filter((change) => {
      const el = controlOf(change);
      return !el || !sameValue(valueOf(el), change.value);
    });
    const box = document.getElementById("unsaved-offer");
    if (!lost.length || !box) {
      window.sessionStorage.removeItem(JOURNAL);
      return;
    }
    box.querySelector("[data-count]").textContent = box.dataset.msgCount.replace("999", String(lost.length));
    box.hidden = false;
    box.querySelector("[data-restore]").addEventListener("click", () => {
      lost.forEach((change) => {
        const el = controlOf(change);
        if (el && el.type === "radio") {
          const choice = form.querySelector(`input[type=radio][name="${CSS.escape(el.name)}"][value="${CSS.escape(String(change.value))}"]`);
          if (choice) choice.checked = true;
        } else if (el && el.type === "checkbox" && !el.name) {
          el.checked = Boolean(change.value);
        } else if (el && el.type !== "checkbox") {
          el.value = change.value;
        }
        pending.set(change.id, change);
      });
      box.hidden = true;
      remember();
      send();
    });
    box.querySelector("[data-discard]").addEventListener("click", () => {
      window.sessionStorage.removeItem(JOURNAL);
      box.hidden = true;
    });
  }
  offerUnsaved();

  window.addEventListener("beforeunload", (event) => {
    if (pending.size || inFlight) {
      event.preventDefault();
      event.returnValue = msg.msgLeave;
    }
  });

  // Keyboard: in a question, 1–9 choose its options in order (for yes/no: Yes, No, Unclear, Not
  // observed), Y/N/U/O answer a yes/no question; the answer is saved and focus moves to the next question.
  // Enter in a number or text answer moves on too. Any other key is left to the browser.
  const letters = { y: "yes", n: "no", u: "unclear", o: "not_observed" };
  function nextItem(item) {
    const items = Array.from(form.querySelectorAll(".item")).filter((i) => i.offsetParent !== null);
    const next = items[items.indexOf(item) + 1];
    if (!next) return;
    const target = next.querySelector("input[type=radio]:checked") || next.querySelector("input, select");
    if (target) target.focus();
  }
  form.addEventListener("keydown", (event) => {
    const el = event.target;
    const item = el.closest && el.closest(".item");
    if (!item || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    if (el.type !== "radio") {
      const answerBox = el.matches("[data-field=value], [data-all-value]");
      if (event.key === "Enter" && answerBox) {
        event.preventDefault();
        el.dispatchEvent(new Event("change", { bubbles: true }));
        nextItem(item);
      }
      return;
    }
    // The physical key too, so Y/N/U/O work in a Cyrillic keyboard layout.
    const physical = (event.code || "").replace(/^Key|^Digit|^Numpad/, "").toLowerCase();
    const key = /^[1-9]$/.test(event.key) ? event.key : /^[1-9]$/.test(physical) ? physical : "";
    const radios = Array.from(item.querySelectorAll("input[type=radio]"));
    let radio = key ? radios[Number(key) - 1] : null;
    if (!key && radios.some((r) => r.value === "yes")) {
      const value = letters[event.key.toLowerCase()] || letters[physical];
      radio = value ? radios.find((r) => r.value === value) : null;
    }
    if (!radio) return; // not an answer here: the key keeps its usual meaning
    event.preventDefault();
    if (!radio.checked) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
    nextItem(item);
  });

  // The focused question's help text, from the one copy of each in #item-help.
  const helpStore = document.getElementById("item-help");
  // It stays shown until another question takes the focus, so a click elsewhere does not make the page
  // jump between the press and the release of the mouse button (and miss what was clicked).
  form.addEventListener("focusin", (event) => {
    const item = event.target.closest(".item");
    if (!item) return;
    form.querySelectorAll(".item.show-help").forEach((other) => other !== item && other.classList.remove("show-help"));
    item.classList.add("show-help");
    if (item.querySelector(".help")) return;
    const source = helpStore.querySelector(`[data-help-for="${CSS.escape(item.dataset.item)}"]`);
    if (!source) return;
    const help = source.cloneNode(true);
    help.className = "help";
    help.removeAttribute("data-help-for");
    item.querySelector(".answer").after(help); // below the controls: nothing moves under the pointer
  });

  // "n unanswered" per defendant, kept current as questions are answered.
  const template = msg.msgUnanswered;
  function openItems(block) {
    return Array.from(block.querySelectorAll(".item")).filter((item) => {
      if (item.querySelector("input[type=radio]")) return !item.querySelector("input[type=radio]:checked");
      const value = item.querySelector('[data-field="value"]');
      return !value || !value.value.trim();
    }).length;
  }

  function countUnanswered() {
    // The questions about the whole hearing (or sitting), listed first under "Before you submit".
    const whole = document.getElementById("s-checklist");
    const wholeLine = form.querySelector('[data-todo-for="hearing"]');
    if (whole && wholeLine) {
      const open = openItems(whole);
      wholeLine.querySelector("[data-todo]").textContent = template.replace("999", open);
      wholeLine.hidden = open === 0;
    }
    form.querySelectorAll("div.defendant").forEach((block) => {
      const open = openItems(block);
      const text = template.replace("999", open);
      const own = block.querySelector("[data-todo]");
      if (own) own.textContent = text;
      form.querySelectorAll(`[data-todo-for="${block.dataset.defendant}"]`).forEach((line) => {
        const slot = line.querySelector("[data-todo]");
        if (slot) slot.textContent = text;
        const count = line.querySelector("[data-todo-count]");
        if (count) count.textContent = open;
        if (line.hasAttribute("data-hide-done")) line.hidden = open === 0 || Boolean(block.closest(".absent"));
      });
    });
  }

  // A mass trial (checklists that declare units): "same for all present defendants". Setting a shared
  // answer writes it to every present defendant who has no answer yet or still has the old shared one;
  // a defendant answered differently is an exception and keeps their answer. All of it goes in one
  // autosave batch of ordinary answer changes.
  const roster = document.getElementById("same-all");
  if (roster) {
    const ABSENT = ["waived", "not_brought"];
    const summary = document.getElementById("roster-summary");
    const rows = () => Array.from(form.querySelectorAll("li.defendant-row"));
    const itemOf = (row, key) => row.querySelector(`.item[data-item="${CSS.escape(key)}"]`);

    function answerOf(item) {
      const checked = item.querySelector("input[type=radio]:checked");
      if (checked) return checked.value;
      const box = item.querySelector("[data-field=value], [data-all-value]");
      return box && box.type !== "radio" ? box.value.trim() : "";
    }

    // Put ``value`` into a defendant's question and queue it; return whether it changed.
    function setAnswer(item, value) {
      if (answerOf(item) === value) return false;
      const radios = Array.from(item.querySelectorAll("input[type=radio]"));
      let control;
      if (radios.length) {
        radios.forEach((r) => {
          r.checked = r.value === value;
        });
        control = radios[0];
      } else {
        control = item.querySelector("[data-field=value]");
        control.value = value;
      }
      item.classList.toggle("answered", Boolean(value));
      queue(control);
      return true;
    }

    function sharedOf(key) {
      const row = roster.querySelector(`[data-all-item="${CSS.escape(key)}"]`);
      return row ? row.dataset.shared || "" : "";
    }

    function labelOf(item, value) {
      const radio = Array.from(item.querySelectorAll("input[type=radio]")).find((r) => r.value === value);
      return radio ? radio.parentNode.textContent.trim() : value;
    }

    // Each row shows its exceptions (or why the defendant was absent) while it is closed.
    function refreshRow(row) {
      const absent = row.classList.contains("absent");
      const chips = row.querySelector("[data-chips]");
      chips.replaceChildren();
      row.querySelectorAll(".item[data-item]").forEach((item) => {
        const key = item.dataset.item;
        const value = answerOf(item);
        const exception = absent ? key === "presence" : Boolean(value) && value !== sharedOf(key);
        item.classList.toggle("exception", exception && !absent);
        if (!exception) return;
        const chip = document.createElement("span");
        const option = Array.from(item.querySelectorAll("input[type=radio]")).find((r) => r.value === value);
        chip.className = option && option.parentNode.classList.contains("concern") ? "chip concern" : "chip";
        const same = roster.querySelector(`[data-all-item="${CSS.escape(key)}"]`);
        chip.textContent = absent
          ? msg.msgAbsent + (value ? `: ${labelOf(item, value)}` : "")
          : ((same && same.dataset.prefix) || "") + labelOf(item, value);
        chips.append(chip);
      });
      row.classList.toggle("has-exceptions", chips.childElementCount > 0);
    }

    function refreshCounts() {
      const all = rows();
      const absent = all.filter((row) => row.classList.contains("absent")).length;
      summary.textContent = summary.dataset.msg.replace("998", all.length - absent).replace("999", absent);
      roster.querySelectorAll("[data-all-item]").forEach((same) => {
        const key = same.dataset.allItem;
        const n = all.filter((row) => !row.classList.contains("absent") && itemOf(row, key).classList.contains("exception")).length;
        same.querySelector("[data-exception-count]").textContent = n ? msg.msgExceptions.replace("999", n) : "";
      });
    }

    function refreshAll() {
      rows().forEach(refreshRow);
      refreshCounts();
    }

    function applyShared(same, value) {
      const key = same.dataset.allItem;
      const old = same.dataset.shared || "";
      same.dataset.shared = value;
      same.classList.toggle("answered", Boolean(value));
      rows().forEach((row) => {
        if (row.classList.contains("absent")) return;
        const item = itemOf(row, key);
        const current = answerOf(item);
        if (current === "" || current === old) setAnswer(item, value);
        if (key === "presence") syncTick(row, value);
      });
      refreshAll();
      countUnanswered();
    }

    // Presence: the tick and the defendant's ``presence`` answer say the same thing.
    function syncTick(row, value) {
      const tick = row.querySelector(".presence-tick");
      const absent = ABSENT.includes(value);
      if (absent === !tick.checked) return;
      if (!absent && !["present", "removed", "video_link"].includes(value)) return;
      tick.checked = !absent;
      queue(tick);
      row.classList.toggle("absent", absent);
      followShared(row, !absent);
    }

    // The shared answers apply to present defendants only: an absent one loses those they had from them
    // (answers of their own are kept), and gets them back when present again.
    function followShared(row, present) {
      row.querySelectorAll(".item[data-item]").forEach((other) => {
        const key = other.dataset.item;
        const shared = sharedOf(key);
        if (key === "presence" || !shared) return;
        if (!present && answerOf(other) === shared) setAnswer(other, "");
        if (present && answerOf(other) === "") setAnswer(other, shared);
      });
    }

    function ticked(row, tick) {
      row.classList.toggle("absent", !tick.checked);
      const item = itemOf(row, "presence");
      followShared(row, tick.checked);
      if (!tick.checked) {
        // Absent: recorded at once (reason "Unclear" until one is chosen), the reason one key away.
        if (!["waived", "not_brought", "removed", "video_link", "unclear"].includes(answerOf(item))) setAnswer(item, "unclear");
        const details = row.querySelector("details");
        details.open = true;
        (item.querySelector("input[type=radio]:checked") || item.querySelector("input")).focus();
      } else {
        const shared = sharedOf("presence");
        setAnswer(item, ABSENT.includes(shared) ? "" : shared);
      }
      refreshAll();
      countUnanswered();
    }

    form.addEventListener("change", (event) => {
      const el = event.target;
      const same = el.closest("[data-all-item]");
      if (same) {
        applyShared(same, el.type === "radio" ? el.value : el.value.trim());
        return;
      }
      const row = el.closest("li.defendant-row");
      if (!row) return;
      if (el.classList.contains("presence-tick")) {
        ticked(row, el);
        return;
      }
      const item = el.closest(".item");
      if (item && item.dataset.item === "presence" && el.dataset.field === "value") syncTick(row, answerOf(item));
      refreshRow(row);
      refreshCounts();
      countUnanswered();
    });
    refreshAll();
  }

  // Running notes: stamped with the moment typing began; Ctrl+Enter adds.
  const noteText = document.getElementById("note-text");
  const noteError = document.getElementById("note-error");
  let typedAt = null;
  noteText.addEventListener("input", () => {
    if (!typedAt && noteText.value.trim()) typedAt = new Date().toISOString();
  });
  async function addNote() {
    const text = noteText.value.trim();
    if (!text) return;
    let response = null;
    try {
      response = await window.monitorFetch(form.dataset.noteUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ text: text, typed_at: typedAt || new Date().toISOString() }),
      });
    } catch (networkError) {
      response = null;
    }
    if (response && response.status === 201) {
      const note = await response.json();
      const li = document.createElement("li");
      const time = document.createElement("time");
      time.dateTime = note.typed_at;
      time.dataset.local = "";
      time.textContent = note.typed_at.slice(11, 19);
      window.showLocalTimes(li.appendChild(time).parentNode);
      li.append(" ", note.text);
      document.getElementById("note-list").append(li);
      noteText.value = "";
      typedAt = null;
      noteError.hidden = true;
      if (!pending.size && !inFlight) setStatus(`${msg.msgSaved} ${clock(new Date().toISOString())}`, "saved");
      return;
    }
    // The note stays in the box; nothing is lost.
    noteError.textContent = response ? (await response.json()).message : msg.msgFailed.replace("{s}", "–");
    noteError.hidden = false;
  }
  document.getElementById("note-add").addEventListener("click", addNote);
  noteText.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      addNote();
    }
  });
  countUnanswered(); // "Before you submit" from the start, the whole hearing's questions included
})();
