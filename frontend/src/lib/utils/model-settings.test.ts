import { describe, expect, it } from 'vitest';
import schema from '../../../contract/bridge.schema.json';
import {
	NGRAM_METHODS,
	RECOMMENDED_NGRAM,
	draftSizePlaceholders,
	fromForm,
	inheritedForm,
	toForm
} from './model-settings';

describe('model settings form', () => {
	it('round-trips settings, empty fields meaning inherit', () => {
		const settings = {
			context_size: 8192,
			threads: null,
			gpu_layers: -1,
			chat_template_file: '/templates/qwen.jinja',
			mmproj_file: '/models/mmproj-qwen2-vl-f16.gguf',
			extra_args: ['--mlock', '-fa'],
			speculation: 'ngram-mod' as const,
			draft_model_id: 'llama32-3b',
			ngram_lookup: 10,
			draft_max: 32,
			draft_min: 0
		};
		const form = toForm(settings);
		expect(form).toEqual({
			context_size: '8192',
			threads: '',
			gpu_layers: '-1',
			chat_template_file: '/templates/qwen.jinja',
			mmproj_file: '/models/mmproj-qwen2-vl-f16.gguf',
			extra_args: '--mlock\n-fa',
			speculation: 'ngram-mod',
			draft_model_id: 'llama32-3b',
			ngram_lookup: '10',
			draft_max: '32',
			draft_min: '0'
		});
		expect(fromForm(form)).toEqual(settings);
	});

	it('trims, drops blank argument lines and sends an empty list as inherit', () => {
		expect(
			fromForm({
				context_size: ' 512 ',
				threads: ' ',
				gpu_layers: '',
				chat_template_file: '  ',
				mmproj_file: ' ',
				extra_args: '\n  \n',
				speculation: '',
				draft_model_id: '',
				ngram_lookup: ' ',
				draft_max: ' ',
				draft_min: ''
			})
		).toEqual({
			context_size: 512,
			threads: null,
			gpu_layers: null,
			chat_template_file: null,
			mmproj_file: null,
			extra_args: null,
			speculation: null,
			draft_model_id: null,
			ngram_lookup: null,
			draft_max: null,
			draft_min: null
		});
	});

	it('shows the engine values as placeholders', () => {
		expect(
			inheritedForm({
				engine: { context_size: 4096, threads: 0, gpu_layers: null, extra_args: ['-fa'] }
			})
		).toEqual({
			context_size: '4096 (engine)',
			threads: '0 (engine)',
			gpu_layers: '',
			chat_template_file: '',
			mmproj_file: '',
			extra_args: '-fa',
			speculation: '',
			draft_model_id: '',
			ngram_lookup: '',
			draft_max: '',
			draft_min: ''
		});
		expect(inheritedForm(undefined).context_size).toBe('');
	});

	it('a form of settings saved before speculation existed has it off', () => {
		const form = toForm({
			context_size: null,
			threads: null,
			gpu_layers: null,
			chat_template_file: null,
			mmproj_file: null,
			extra_args: null
		});
		expect([form.speculation, form.draft_model_id, form.draft_max, form.draft_min]).toEqual([
			'',
			'',
			'',
			''
		]);
	});

	it("shows the sizes used when empty (LlamaDesk's, a draft model's llama-server's), or why not", () => {
		const form = toForm({
			context_size: null,
			threads: null,
			gpu_layers: null,
			chat_template_file: null,
			mmproj_file: null,
			extra_args: null
		});
		expect(draftSizePlaceholders(form)).toEqual({
			lookup: 'needs n-gram speculation',
			max: 'needs speculation on',
			min: 'needs speculation on'
		});
		expect(draftSizePlaceholders({ ...form, speculation: 'ngram-simple' })).toEqual({
			lookup: '6 (LlamaDesk default)',
			max: '8 (LlamaDesk default)',
			min: 'not used by ngram-simple'
		});
		expect(draftSizePlaceholders({ ...form, speculation: 'ngram-mod' })).toEqual({
			lookup: '8 (LlamaDesk default)',
			max: '8 (LlamaDesk default)',
			min: '2 (LlamaDesk default)'
		});
		expect(draftSizePlaceholders({ ...form, speculation: 'ngram-cache' })).toEqual({
			lookup: 'not used by ngram-cache',
			max: 'not used by ngram-cache',
			min: 'not used by ngram-cache'
		});
		expect(
			draftSizePlaceholders({ ...form, speculation: 'ngram-simple', draft_model_id: 'small' })
		).toEqual({
			lookup: '6 (LlamaDesk default)',
			max: '3 (llama-server default)',
			min: '0 (llama-server default)'
		});
	});

	it("offers every n-gram method with the backend's sizes, the recommended one first", () => {
		const speculation = schema.$defs.ModelSettings.properties.speculation;
		const sizes = speculation.ngram_sizes as Record<
			string,
			{ lookup: number; draft_max: number; draft_min: number | null }
		>;
		const methods = speculation.anyOf[0]?.enum as string[];
		expect(NGRAM_METHODS.map((method) => method.value).sort()).toEqual([...methods].sort());
		for (const method of NGRAM_METHODS) {
			const backend = sizes[method.value];
			expect({ lookup: method.lookup, max: method.max, min: method.min }).toEqual(
				backend
					? { lookup: backend.lookup, max: backend.draft_max, min: backend.draft_min }
					: { lookup: null, max: null, min: null }
			);
		}
		expect(RECOMMENDED_NGRAM).toBe(speculation.recommended);
		expect(NGRAM_METHODS[0]?.value).toBe(RECOMMENDED_NGRAM);
	});
});
