/** Where vigil tells people what it did or could not do: an SNS topic in AWS. */

/** One notification: a short subject line and a plain-text body. */
export interface Notification {
  /** At most 100 characters, no line breaks (SNS's limit for email subjects). */
  readonly subject: string;
  readonly message: string;
}

export interface Notifier {
  /** Publishes a notification; returns the id the channel gave it. */
  publish(notification: Notification): Promise<string>;
}
