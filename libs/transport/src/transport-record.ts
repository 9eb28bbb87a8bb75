/** A record as it crosses the transport: Kafka's shape, so both transports share the delivery logic. */
export interface TransportRecord {
  topic: string;
  key: string;
  /** Serialized value; kept as a string so a dead letter carries the original bytes. */
  value: string;
  headers: Record<string, string>;
}

/** What a producer hands to a client proxy's `emit(topic, …)`: the value is serialized by the transport. */
export interface OutgoingRecord {
  key: string;
  value: unknown;
  headers: Record<string, string>;
}
