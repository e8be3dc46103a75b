// The hearing form: saves what the observer types, a second after they stop, and never drops a change.
// Unsent changes stay queued (newest value per field) and are retried with back-off until the server
// acknowledges them; only then does the page say "Saved at …".
"use strict";

(function () {
  const form = document.getElementById("hearing-form");
  if (!form) return;
  const msg = form.dataset;
  const statusLine = document.getElementById("save-status");
  const pending = new Map(); // field key -> change (latest value wins)
  let inFlight = null; // the batch being sent
  let timer = null;
  let retryDelay = 2;

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

  function queue(el) {
    pending.set(keyOf(el), changeOf(el));
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
    const batch = Array.from(pending.values());
    pending.clear();
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
      if (response && response.ok) {
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

  window.addEventListener("beforeunload", (event) => {
    if (pending.size || inFlight) {
      event.preventDefault();
      event.returnValue = msg.msgLeave;
    }
  });

  // Keyboard: Y/N/U/O or 1-4 answer the focused question, then move to the next one.
  const keys = { y: "yes", n: "no", u: "unclear", o: "not_observed", 1: "yes", 2: "no", 3: "unclear", 4: "not_observed" };
  form.addEventListener("keydown", (event) => {
    const el = event.target;
    if (el.type !== "radio" || event.ctrlKey || event.altKey || event.metaKey) return;
    // The physical key too, so Y/N/U/O work in a Cyrillic keyboard layout.
    const physical = (event.code || "").replace(/^Key|^Digit|^Numpad/, "").toLowerCase();
    const value = keys[event.key.toLowerCase()] || keys[physical];
    const item = el.closest(".item");
    const radio = value && item.querySelector(`input[type=radio][value="${value}"]`);
    if (!radio) return;
    event.preventDefault();
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    const items = Array.from(form.querySelectorAll(".item")).filter((i) => i.offsetParent !== null);
    const next = items[items.indexOf(item) + 1];
    if (next) {
      const target = next.querySelector("input[type=radio]:checked") || next.querySelector("input, select");
      target.focus();
    }
  });

  // The focused question's help text, from the one copy of each in #item-help.
  const helpStore = document.getElementById("item-help");
  form.addEventListener("focusin", (event) => {
    const item = event.target.closest(".item");
    if (!item || item.querySelector(".help")) return;
    const source = helpStore.querySelector(`[data-help-for="${CSS.escape(item.dataset.item)}"]`);
    if (!source) return;
    const help = source.cloneNode(true);
    help.className = "help";
    help.removeAttribute("data-help-for");
    item.querySelector(".answer").after(help); // below the controls: nothing moves under the pointer
  });

  // "n unanswered" per defendant, kept current as questions are answered.
  const template = msg.msgUnanswered;
  function countUnanswered() {
    form.querySelectorAll("div.defendant").forEach((block) => {
      const open = Array.from(block.querySelectorAll(".item")).filter((item) => {
        if (item.querySelector("input[type=radio]")) return !item.querySelector("input[type=radio]:checked");
        const value = item.querySelector('[data-field="value"]');
        return !value || !value.value.trim();
      }).length;
      const text = template.replace("999", open);
      block.querySelector("[data-todo]").textContent = text;
      form.querySelectorAll(`[data-todo-for="${block.dataset.defendant}"]`).forEach((line) => {
        const slot = line.querySelector("[data-todo]");
        if (slot) slot.textContent = text;
        const count = line.querySelector("[data-todo-count]");
        if (count) count.textContent = open;
      });
    });
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
})();
