import { describe, expect, it } from 'vitest';
import { fromForm, inheritedForm, toForm } from './model-settings';

describe('model settings form', () => {
	it('round-trips settings, empty fields meaning inherit', () => {
		const settings = {
			context_size: 8192,
			threads: null,
			gpu_layers: -1,
			chat_template_file: '/templates/qwen.jinja',
			mmproj_file: '/models/mmproj-qwen2-vl-f16.gguf',
			extra_args: ['--mlock', '-fa']
		};
		const form = toForm(settings);
		expect(form).toEqual({
			context_size: '8192',
			threads: '',
			gpu_layers: '-1',
			chat_template_file: '/templates/qwen.jinja',
			mmproj_file: '/models/mmproj-qwen2-vl-f16.gguf',
			extra_args: '--mlock\n-fa'
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
				extra_args: '\n  \n'
			})
		).toEqual({
			context_size: 512,
			threads: null,
			gpu_layers: null,
			chat_template_file: null,
			mmproj_file: null,
			extra_args: null
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
			extra_args: '-fa'
		});
		expect(inheritedForm(undefined).context_size).toBe('');
	});
});
