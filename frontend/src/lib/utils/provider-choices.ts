import { ANY_MODEL, PROVIDER_MODEL_SEPARATOR } from '$lib/constants/providers';
import type { FailoverTarget, ProviderInfo } from '$lib/types';

/** One provider's model as a choice: a value for a `<select>` and what it reads. */
export interface ProviderModelChoice {
	value: string;
	label: string;
	providerId: string;
	model: string;
}

/** The value naming a provider's model in a select (`choiceOf` reads it back). */
export function choiceValue(providerId: string, model: string): string {
	return `${providerId}${PROVIDER_MODEL_SEPARATOR}${model}`;
}

/** The provider and model a select value names. */
export function choiceOf(value: string): FailoverTarget {
	const at = value.indexOf(PROVIDER_MODEL_SEPARATOR);
	return { provider_id: value.slice(0, at), model: value.slice(at + 1) };
}

/** Every model of every provider, provider by provider; `anyModel` adds "any model" to each. */
export function providerModelChoices(
	providers: ProviderInfo[],
	anyModel = false
): ProviderModelChoice[] {
	return providers.flatMap((provider) => [
		...(anyModel
			? [
					{
						value: choiceValue(provider.id, ANY_MODEL),
						label: `${provider.name} · any model`,
						providerId: provider.id,
						model: ANY_MODEL
					}
				]
			: []),
		...(provider.models ?? []).map((model) => ({
			value: choiceValue(provider.id, model),
			label: `${provider.name} · ${model}`,
			providerId: provider.id,
			model
		}))
	]);
}

/** How a (provider, model) pair reads, with the provider's name when it is known. */
export function pairLabel(providers: ProviderInfo[], providerId: string, model: string): string {
	const name = providers.find((provider) => provider.id === providerId)?.name ?? providerId;
	return `${name} · ${model === ANY_MODEL ? 'any model' : model}`;
}

/** `list` with the item at `index` moved by `offset` (kept inside the list). */
export function moved<T>(list: T[], index: number, offset: number): T[] {
	const to = Math.min(Math.max(index + offset, 0), list.length - 1);
	const next = [...list];
	const [item] = next.splice(index, 1);
	if (item !== undefined) next.splice(to, 0, item);
	return next;
}
