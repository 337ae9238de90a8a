import { randomBytes } from 'node:crypto';
import { formatCursor, isAfter, type Position } from './cursor.ts';
import { BufferedSubscription, DEFAULT_BUFFER_SIZE, type BusSubscription, type EventBus } from './event-bus.ts';
import { type AnyWorkflowEvent, workflowTopic } from './types.ts';

/** An event as the hub hands it out: the same object to every local subscriber, with its cursor set. */
export type HubEvent = AnyWorkflowEvent & { cursor: string };

export interface HubSubscription extends BusSubscription<HubEvent> {
  /** Output chunks still held by this process's buffer that come after `pos`, in order. */
  bufferedChunks(pos: Position): HubEvent[];
  /** Tells the hub that the log holds stored events up to `seq` (a subscriber read them): chunks after it are numbered after it. */
  observe(seq: number): void;
}

export interface EventHubOptions {
  /** Output chunks kept per workflow for a client that resumes inside a run of chunks (default 512). */
  chunkBuffer?: number;
  /** How long a workflow's hub outlives its last subscriber, so a reconnecting client finds its chunks (default 30 s). */
  lingerMs?: number;
}

/** Buffer of the hub's own bus subscription: far above any burst, so the hub itself never lags. */
const SOURCE_BUFFER = 100_000;
const chunkPositions = new WeakMap<object, Position>();

/** Where an item the hub handed out sits in the stream (undefined for a chunk that did not come through a hub). */
export function positionOf(e: { seq: number; kind: string }): Position | undefined {
  return e.kind === 'task_output' ? chunkPositions.get(e) : { seq: e.seq, n: 0, epoch: '' };
}

class Topic {
  readonly subs = new Set<BufferedSubscription<HubEvent>>();
  /** Newest stored seq seen (delivered live or read from the log by a subscriber) and chunks numbered since. */
  private last = 0;
  private n = 0;
  readonly epoch = randomBytes(4).toString('hex');
  private readonly chunks: HubEvent[] = [];
  linger: NodeJS.Timeout | undefined;

  constructor(
    readonly source: BusSubscription<AnyWorkflowEvent>,
    private readonly chunkBuffer: number,
  ) {}

  /** Sets the item's cursor. Decisions only: the order of calls is the bus's order of arrival. */
  annotate(e: AnyWorkflowEvent): HubEvent {
    const out = e as HubEvent;
    if (e.kind !== 'task_output') {
      this.observe(e.seq);
      out.cursor = String(e.seq);
      return out;
    }
    // A chunk carries its task's task_started seq; it follows every stored event seen before it.
    this.observe(e.seq);
    const pos = { seq: this.last, n: ++this.n, epoch: this.epoch };
    chunkPositions.set(out, pos);
    out.cursor = formatCursor(pos);
    this.chunks.push(out);
    if (this.chunks.length > this.chunkBuffer) this.chunks.shift();
    return out;
  }

  observe(seq: number) {
    if (seq > this.last) {
      this.last = seq;
      this.n = 0;
    }
  }

  bufferedChunks(pos: Position): HubEvent[] {
    return this.chunks.filter((c) => isAfter(chunkPositions.get(c)!, pos));
  }
}

/**
 * Live events of each workflow, shared by every subscriber in this process:
 * one bus subscription per workflow topic, each message decoded once and
 * handed to all subscribers as one object (so a GraphQL execution of it can
 * be shared too), with a cursor that only moves forward (cursor.ts).
 */
export function createEventHub(bus: EventBus, o: EventHubOptions = {}) {
  const chunkBuffer = o.chunkBuffer ?? 512;
  const lingerMs = o.lingerMs ?? 30_000;
  const topics = new Map<string, Promise<Topic>>();
  /** The same topics once subscribed, for synchronous reads. */
  const settled = new Map<string, Topic>();

  async function pump(key: string, topic: Topic) {
    let failure: unknown;
    try {
      for await (const e of topic.source) {
        const item = topic.annotate(e);
        for (const sub of topic.subs) sub.push(item);
      }
    } catch (err) {
      failure = err;
    }
    topics.delete(key);
    settled.delete(key);
    clearTimeout(topic.linger);
    // Every subscriber ends as the hub's source did: a lag or a closed bus reaches them all alike.
    for (const sub of [...topic.subs]) {
      if (failure) sub.fail(failure);
      else sub.close('bus closed');
    }
  }

  async function topicFor(workflowId: string): Promise<Topic> {
    const key = workflowTopic(workflowId);
    let entry = topics.get(key);
    if (!entry) {
      entry = bus.subscribe<AnyWorkflowEvent>(key, { bufferSize: SOURCE_BUFFER }).then((source) => {
        const topic = new Topic(source, chunkBuffer);
        settled.set(key, topic);
        void pump(key, topic);
        return topic;
      });
      topics.set(key, entry);
      entry.catch(() => topics.get(key) === entry && topics.delete(key));
    }
    return entry;
  }

  return {
    async subscribe(workflowId: string, opts: { bufferSize?: number } = {}): Promise<HubSubscription> {
      const topic = await topicFor(workflowId);
      clearTimeout(topic.linger);
      const sub = new BufferedSubscription<HubEvent>(opts.bufferSize ?? DEFAULT_BUFFER_SIZE, () => {
        topic.subs.delete(sub);
        if (topic.subs.size > 0) return;
        topic.linger = setTimeout(() => {
          if (topic.subs.size === 0) topic.source.close('no subscribers');
        }, lingerMs).unref();
      });
      topic.subs.add(sub);
      return Object.assign(sub, {
        bufferedChunks: (pos: Position) => topic.bufferedChunks(pos),
        observe: (seq: number) => topic.observe(seq),
      });
    },
    /** Local subscribers of a workflow's events right now (a hub without any lingers a while, see lingerMs). */
    subscribers(workflowId: string): number {
      return settled.get(workflowTopic(workflowId))?.subs.size ?? 0;
    },
    /** Ends every hub (their subscribers end as when the bus closes). */
    close() {
      for (const entry of topics.values()) entry.then((t) => t.source.close('hub closed'), () => undefined);
    },
  };
}

export type EventHub = ReturnType<typeof createEventHub>;

const hubs = new WeakMap<EventBus, EventHub>();

/** The one hub of a bus (made on first use): every subscriber of a process shares it. Its topics end when the bus closes. */
export function hubFor(bus: EventBus): EventHub {
  let hub = hubs.get(bus);
  if (!hub) hubs.set(bus, (hub = createEventHub(bus)));
  return hub;
}
