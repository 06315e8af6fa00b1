/** An expected failure of a command: its message is printed as it is (no stack) and the CLI exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

// Run from the TypeScript sources (a checkout) the npm scripts are the way in; a compiled build
// (the image, a deployment) runs apps/cli/dist/main.js itself.
const RUNNING_SOURCE = import.meta.url.endsWith('.ts');

/** How to run a CLI command here, for messages: `npm run migrate` in a checkout, `node apps/cli/dist/main.js migrate` in a build. */
export function commandLine(command: string): string {
  if (!RUNNING_SOURCE) return `node apps/cli/dist/main.js ${command}`;
  const [first = '', ...rest] = command.split(' ');
  // package.json's shortcuts; anything else goes through `npm run cli`.
  if (first === 'keys') return `npm run keys --${rest.length ? ` ${rest.join(' ')}` : ''}`;
  if (first === 'migrate' || first === 'reconcile') return rest.length ? `npm run ${first} -- ${rest.join(' ')}` : `npm run ${first}`;
  return `npm run cli -- ${command}`;
}
