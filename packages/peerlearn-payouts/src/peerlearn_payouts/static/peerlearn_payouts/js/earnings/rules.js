// The withdraw form's rules: the limits and the UPI ID pattern come from the server (the Earnings
// tab renders selectors.withdraw_rules() as JSON in #earnings-config), so the page checks exactly
// what the API will; the messages say what is wrong in the mentor's words.
import { formatPaise } from "../../../peerlearn_core/js/format.js";

/** The server's rules, read once from the page: {minPaise, maxPaise, vpa (RegExp), vpaMin, vpaMax}. */
export function readRules(doc = document) {
  const el = doc.getElementById("earnings-config");
  return rulesFrom(el ? JSON.parse(el.textContent) : {});
}

/** selectors.withdraw_rules() (as JSON) → the rules the checks below take. */
export function rulesFrom(config) {
  return {
    minPaise: Number(config.min_payout_paise),
    maxPaise: Number(config.max_payout_paise),
    // Python's fullmatch() as a JS RegExp: anchored at both ends.
    vpa: new RegExp(`^(?:${config.vpa_pattern})$`),
    vpaMin: Number(config.vpa_min_length),
    vpaMax: Number(config.vpa_max_length),
  };
}

/** Parse what the mentor typed ("1,000", "₹499.5", "250") → {paise} or {error}. */
export function parseAmount(raw) {
  const text = String(raw ?? "").replace(/[₹,\s]/g, "");
  if (!text) return { error: "Enter the amount to withdraw." };
  if (text.startsWith("-")) return { error: "Enter an amount greater than ₹0." };
  if (!/^\d*(\.\d*)?$/.test(text) || text === ".") {
    return { error: "Enter an amount in rupees, like 500 or 499.50." };
  }
  const [whole, fraction = ""] = text.split(".");
  if (fraction.length > 2) return { error: "Use at most 2 decimal places (paise)." };
  if (whole.replace(/^0+/, "").length > 12) return { error: "That amount is too large." };
  return { paise: Number(whole || "0") * 100 + Number(fraction.padEnd(2, "0")) };
}

/** Why `paise` cannot be withdrawn (null when it can): the balance, then the server's limits. */
export function amountError(paise, available, rules) {
  if (paise <= 0) return "Enter an amount greater than ₹0.";
  if (available !== null && paise > available) {
    return available > 0
      ? `That’s more than your available balance of ${formatPaise(available)}.`
      : "You have no available balance to withdraw.";
  }
  if (paise < rules.minPaise) return `The smallest withdrawal is ${formatPaise(rules.minPaise)}.`;
  if (paise > rules.maxPaise) return `The largest withdrawal is ${formatPaise(rules.maxPaise)}.`;
  return null;
}

/** Why a UPI ID is not one the server accepts (null when it is): its pattern and lengths decide. */
export function upiError(raw, rules) {
  const value = String(raw ?? "").trim();
  if (!value) return "Enter your UPI ID, like name@okhdfcbank.";
  // The server's rule decides; the checks below only explain a value it refuses.
  if (value.length >= rules.vpaMin && value.length <= rules.vpaMax && rules.vpa.test(value)) return null;
  if (/\s/.test(value)) return "A UPI ID has no spaces.";
  if (value.includes("_")) return "UPI IDs can’t contain underscores (_).";
  const ats = (value.match(/@/g) || []).length;
  if (ats === 0) return "Add @ and your bank’s handle, like name@okhdfcbank.";
  if (ats > 1) return "A UPI ID has exactly one @.";
  if (value.length < rules.vpaMin) return "That UPI ID is too short.";
  if (value.length > rules.vpaMax) return `A UPI ID is at most ${rules.vpaMax} characters.`;
  const [name, handle] = value.split("@");
  if (!name) return "Add your name or number before the @.";
  if (/[^-.a-zA-Z0-9]/.test(name)) return "Before the @, use only letters, digits, dots and hyphens.";
  if (!handle) return "Add your bank’s handle after the @, like okhdfcbank.";
  return "After the @ comes your bank’s handle: letters only, like okhdfcbank.";
}

/** One key per modal opening: a double click or a retry never makes two payouts. */
export function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  // Plain-http hosts other than localhost have no randomUUID: build a v4 UUID by hand.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
