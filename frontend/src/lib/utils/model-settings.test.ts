import { describe, expect, it } from 'vitest';
import { draftSizePlaceholders, fromForm, inheritedForm, toForm } from './model-settings';

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

	it("shows llama-server's draft sizes for what is chosen, or why a size does not apply", () => {
		const form = toForm({
			context_size: null,
			threads: null,
			gpu_layers: null,
			chat_template_file: null,
			mmproj_file: null,
			extra_args: null
		});
		expect(draftSizePlaceholders(form)).toEqual({
			max: 'needs speculation on',
			min: 'needs speculation on'
		});
		expect(draftSizePlaceholders({ ...form, speculation: 'ngram-simple' })).toEqual({
			max: '48 (llama-server default)',
			min: 'not used by ngram-simple'
		});
		expect(draftSizePlaceholders({ ...form, speculation: 'ngram-mod' })).toEqual({
			max: '64 (llama-server default)',
			min: '48 (llama-server default)'
		});
		expect(draftSizePlaceholders({ ...form, speculation: 'ngram-cache' }).max).toBe(
			'not used by ngram-cache'
		);
		expect(
			draftSizePlaceholders({ ...form, speculation: 'ngram-simple', draft_model_id: 'small' })
		).toEqual({ max: '3 (llama-server default)', min: '0 (llama-server default)' });
	});
});
