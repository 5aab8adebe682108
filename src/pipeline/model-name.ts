/**
 * Refuses a model name that tries to choose where the request goes. The proxy never derives a
 * destination from a request body (the upstream is the configured base URL, whatever the body or
 * headers say), but some gateways do route `model: "http://host/..."` to that host: such a name is
 * refused rather than passed on, so a client that expects that behaviour learns it does not apply.
 * Control characters are refused too: the name lands in audit rows, logs and metric labels.
 */

/** `scheme://` (`http://`, `https://`, `file://`) or a scheme-relative `//host`. */
const URL_LIKE = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\//;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why `model` cannot be served, or null when it is a plain name (`gpt-4o`, `hf.co/org/repo:tag`). */
export function refuseModelName(model: string | null): string | null {
  if (model === null) return null;
  if (URL_LIKE.test(model.trim())) return 'The model must be a model name, not a URL: the proxy sends every request to its configured upstream.';
  if (CONTROL.test(model)) return 'The model name contains control characters.';
  return null;
}
