/**
 * Base of every error vigil raises on purpose. The message says what was wrong, shows the bad value
 * and says how to fix it; `context` carries the fields a log or a report needs.
 */
export class VigilError extends Error {
  override name = "VigilError";
  readonly context: Readonly<Record<string, unknown>>;

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.context = options.context ?? {};
  }
}

/** Shows a value in an error message: quoted, shortened, control characters escaped. */
export function show(value: unknown, max = 80): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (value === undefined) text = "undefined";
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
