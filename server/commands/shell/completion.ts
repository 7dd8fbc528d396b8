/**
 * Tab completion: command names for the first word, znode paths (children of the typed
 * path's parent, asked of the server) for a word starting with `/`. Pure apart from the
 * injected `listChildren`, so it is unit-tested without a server.
 */
import { commandNames } from './command-line';

/** Lists a node's children; rejects or returns [] when the node cannot be read. */
export type ListChildren = (path: string) => Promise<readonly string[]>;

/** What readline's completer returns: the candidates and the text they replace. */
export type Completion = [candidates: string[], replaced: string];

/** Candidates of a completion are capped so a huge directory does not flood the terminal. */
export const completionCandidatesMax = 500;

/** Splits a typed path into the parent to list and the name prefix typed under it. */
export function splitTypedPath(typed: string): { parent: string; prefix: string } {
  const slash = typed.lastIndexOf('/');
  const parent = slash <= 0 ? '/' : typed.slice(0, slash);
  return { parent, prefix: typed.slice(slash + 1) };
}

/** Completes the last word of `line` (the text before the cursor). */
export async function completeLine(line: string, listChildren: ListChildren): Promise<Completion> {
  const wordStart = line.search(/\S+$/);
  const word = wordStart === -1 ? '' : line.slice(wordStart);
  const isFirstWord = line.slice(0, wordStart === -1 ? line.length : wordStart).trim() === '';
  if (isFirstWord) {
    const names = commandNames.filter((name) => name.startsWith(word));
    // A unique command completes with a space after it, ready for the arguments.
    return [names.length === 1 ? [`${names[0]} `] : names, word];
  }
  if (!word.startsWith('/')) return [[], word];
  const { parent, prefix } = splitTypedPath(word);
  let children: readonly string[];
  try {
    children = await listChildren(parent);
  } catch {
    return [[], word];
  }
  const base = parent === '/' ? '/' : `${parent}/`;
  const candidates = children
    .filter((child) => child.startsWith(prefix))
    .sort()
    .slice(0, completionCandidatesMax)
    .map((child) => `${base}${child}`);
  return [candidates, word];
}
