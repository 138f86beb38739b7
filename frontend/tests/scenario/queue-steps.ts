import type {
	BridgeEvent,
	BridgeEventOf,
	CommandName,
	CommandParams,
	CommandResult,
	MessageQueue,
	StreamStarted
} from '$lib/types';
import type { ScenarioBackend } from './backends';

/** What the queue steps need of the scenario run. */
export interface QueueScenario {
	call: ScenarioBackend['call'];
	ok<K extends CommandName>(name: K, params: CommandParams<K>): Promise<CommandResult<K>>;
	record: (step: 'queue' | 'queue errors', outcome: unknown) => void;
}

type QueueChanged = BridgeEventOf<'queue_changed'>;

/** A queue as the steps compare it: the texts in order and the pause. */
function shown(queue: MessageQueue): unknown {
	return { texts: queue.messages.map((m) => m.content), paused: queue.paused, error: queue.error };
}

/**
 * The message queue: three messages queued under an answer, one edited, one moved first, one
 * deleted; Stop pauses the queue; send now sends one and keeps it paused; resume sends the
 * rest, after which nothing waits. Then the errors: a missing conversation, a message already
 * sent or deleted.
 */
export class QueueSteps {
	constructor(
		private readonly run: QueueScenario,
		private readonly backend: ScenarioBackend
	) {}

	private async end(streamId: string): Promise<BridgeEvent> {
		return this.backend.event(
			(event) =>
				(event.type === 'stream_end' || event.type === 'stream_error') &&
				event.stream_id === streamId,
			`the end of stream ${streamId}`
		);
	}

	/** The stream the backend started from the queue, after `seen` queue events. */
	private async sentAfter(conversationId: string, seen: number): Promise<StreamStarted> {
		const event = (await this.backend.event(
			(event) =>
				event.type === 'queue_changed' &&
				event.conversation_id === conversationId &&
				event.sent !== null &&
				this.changes(conversationId).indexOf(event) >= seen,
			'a message sent from the queue'
		)) as QueueChanged;
		return event.sent as StreamStarted;
	}

	private changes(conversationId: string): QueueChanged[] {
		return this.backend.events.filter(
			(event): event is QueueChanged =>
				event.type === 'queue_changed' && event.conversation_id === conversationId
		);
	}

	async record(): Promise<void> {
		const { id } = await this.run.ok('create_conversation', {});
		const first = await this.run.ok('send_chat_message_stream', {
			conversation_id: id,
			content: 'Queue: first'
		});
		const add = (content: string) => this.run.ok('queue_message', { conversation_id: id, content });
		await add('second');
		await add('third');
		const added = await add('fourth');
		const [second, third, fourth] = added.messages;
		const edited = await this.run.ok('update_queued_message', {
			queued_id: third?.id ?? '',
			content: 'third, edited'
		});
		const moved = await this.run.ok('update_queued_message', {
			queued_id: fourth?.id ?? '',
			position: 0
		});
		const deleted = await this.run.ok('delete_queued_message', { queued_id: second?.id ?? '' });
		await this.backend.event(
			(event) => event.type === 'stream_chunk' && event.stream_id === first.stream_id,
			'a first chunk'
		);
		await this.run.call('stop_generation', { conversation_id: id });
		await this.end(first.stream_id);
		const paused = (await this.run.ok('get_conversation', { conversation_id: id })).queue;

		const now = await this.run.ok('send_queued_now', { queued_id: fourth?.id ?? '' });
		await this.end(now.stream_id);
		const afterNow = (await this.run.ok('get_conversation', { conversation_id: id })).queue;
		const seen = this.changes(id).length;
		const resumed = await this.run.ok('resume_queue', { conversation_id: id });
		const sent = await this.sentAfter(id, seen);
		await this.end(sent.stream_id);
		const conversation = await this.run.ok('get_conversation', { conversation_id: id });
		this.run.record('queue', {
			added: shown(added),
			edited: shown(edited),
			moved: shown(moved),
			deleted: shown(deleted),
			paused: paused && shown(paused),
			send_now: now,
			after_send_now: afterNow && shown(afterNow),
			resumed: shown(resumed),
			sent,
			asked: (conversation.messages ?? []).filter((m) => m.role === 'user').map((m) => m.content),
			answers: (conversation.messages ?? [])
				.filter((m) => m.role === 'assistant')
				.map((m) => m.status),
			queue: conversation.queue,
			changes: this.changes(id).map((event) => ({
				...(shown(event.queue) as object),
				sent: event.sent?.user_message?.content ?? null
			}))
		});
		this.run.record('queue errors', {
			missing_conversation: await this.run.call('queue_message', {
				conversation_id: 'missing',
				content: 'hello'
			}),
			resume_missing: await this.run.call('resume_queue', { conversation_id: 'missing' }),
			edit_sent: await this.run.call('update_queued_message', {
				queued_id: fourth?.id ?? '',
				content: 'too late'
			}),
			delete_deleted: await this.run.call('delete_queued_message', {
				queued_id: second?.id ?? ''
			}),
			send_sent: await this.run.call('send_queued_now', { queued_id: third?.id ?? '' })
		});
		await this.run.call('delete_conversation', { conversation_id: id });
	}
}
