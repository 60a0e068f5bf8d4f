// The shared zod schemas, by domain; every side validates with these (see api.ts for the contract).

export * from './source';
export * from './hardware';
export * from './catalog';
export * from './report';
export * from './estimate';
export * from './bench';
export * from './models';
export * from './requests';
export * from './profiles';
export * from './compare';
export * from './upgrade';
export * from './pool';
export * from './presets';
export * from './commands';
export * from './finetune';
