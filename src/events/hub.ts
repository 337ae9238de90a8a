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
  /**
   * How long a stored event that arrives ahead of a missing one (published by another commit or
   * process) waits for it before it is handed out anyway (default 50 ms): subscribers then read
   * the missing ones from the log, each on its own.
   */
  gapWaitMs?: number;
  /**
   * Subscribers handed an event per turn of the event loop (default 64): a fan-out to thousands
   * goes out in slices, `setImmediate` apart, so that the engine's I/O and timers (embedded mode
   * runs both in one process) are served between them.
   */
  fanOutSlice?: number;
}

/**
 * Hands items to subscribers in slices: every subscriber gets every item in
 * order; what a slice leaves goes on at the next `setImmediate`. The
 * subscribers of an item are those present when it arrived (a later one reads
 * it from the log or the chunk buffer).
 */
function createFanOut(slice: number) {
  const queue: Array<{ item: HubEvent; subs: BufferedSubscription<HubEvent>[]; next: number }> = [];
  let scheduled = false;
  const drain = () => {
    scheduled = false;
    let budget = slice;
    while (queue.length > 0 && budget > 0) {
      const head = queue[0]!;
      const end = Math.min(head.subs.length, head.next + budget);
      for (let i = head.next; i < end; i++) head.subs[i]!.push(head.item);
      budget -= end - head.next;
      head.next = end;
      if (head.next === head.subs.length) queue.shift();
    }
    if (queue.length > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(drain);
  };
  return (item: HubEvent, subs: Set<BufferedSubscription<HubEvent>>) => {
    if (subs.size === 0) return;
    // Few subscribers and nothing queued: at once, as before.
    if (queue.length === 0 && subs.size <= slice) {
      for (const sub of subs) sub.push(item);
      return;
    }
    queue.push({ item, subs: [...subs], next: 0 });
    schedule();
  };
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
  /** Newest stored seq handed out live, and what arrived after a gap in that sequence (in arrival order). */
  private liveLast = 0;
  private held: AnyWorkflowEvent[] = [];
  private gapTimer: NodeJS.Timeout | undefined;
  linger: NodeJS.Timeout | undefined;

  constructor(
    readonly source: BusSubscription<AnyWorkflowEvent>,
    private readonly chunkBuffer: number,
    private readonly gapWaitMs: number,
    private readonly emit: (e: HubEvent) => void,
  ) {}

  /**
   * An event off the bus. Stored events go out in seq order: one ahead of a gap waits (with all
   * that arrives after it) up to gapWaitMs for the missing ones, so that every subscriber gets
   * the same objects in the same order instead of each reading the gap from the log.
   */
  arrive(e: AnyWorkflowEvent) {
    if (this.held.length > 0) {
      if (e.kind === 'task_output' || e.seq !== this.liveLast + 1) return void this.held.push(e);
      this.out(e);
      const again = this.held;
      this.held = [];
      clearTimeout(this.gapTimer);
      for (const h of again) this.arrive(h);
      return;
    }
    if (e.kind !== 'task_output' && this.liveLast > 0 && e.seq > this.liveLast + 1) {
      this.held.push(e);
      this.gapTimer = setTimeout(() => this.release(), this.gapWaitMs);
      return;
    }
    this.out(e);
  }

  /** The gap did not close in time: everything held goes out as it arrived. */
  release() {
    const held = this.held;
    this.held = [];
    clearTimeout(this.gapTimer);
    for (const h of held) this.out(h);
  }

  private out(e: AnyWorkflowEvent) {
    if (e.kind !== 'task_output') {
      // A stored event seen already (republished after an outage): every subscriber has it.
      if (e.seq <= this.liveLast) return;
      this.liveLast = e.seq;
    }
    this.emit(this.annotate(e));
  }

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
  const gapWaitMs = o.gapWaitMs ?? 50;
  const fanOut = createFanOut(o.fanOutSlice ?? 64);
  const topics = new Map<string, Promise<Topic>>();
  /** The same topics once subscribed, for synchronous reads. */
  const settled = new Map<string, Topic>();

  async function pump(key: string, topic: Topic) {
    let failure: unknown;
    try {
      for await (const e of topic.source) topic.arrive(e);
    } catch (err) {
      failure = err;
    }
    topic.release();
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
        const topic: Topic = new Topic(source, chunkBuffer, gapWaitMs, (item) => fanOut(item, topic.subs));
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
      for (const entry of topics.values())
        entry.then(
          (t) => t.source.close('hub closed'),
          () => undefined,
        );
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
