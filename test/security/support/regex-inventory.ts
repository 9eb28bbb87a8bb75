import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

export interface FoundRegex {
  /** repo-relative path and 1-based line, e.g. apps/gateway/src/x.ts:12 */
  where: string;
  source: string;
  flags: string;
}

const ROOT = join(__dirname, '../../..');

/** Source folders whose code sees user or document text: every app and library, the web page included. */
const SCANNED = ['apps', 'libs'];
/** Test support: reads only the project's own fixtures (Qdrant's OpenAPI document), never user input. */
const NOT_SCANNED = new Set(['libs/testing']);

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || NOT_SCANNED.has(relative(ROOT, path))) continue;
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.tsx?$/.test(name) && !/\.(spec|e2e-spec|medium-spec|security-spec)\.tsx?$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

/**
 * Every regular expression written in the apps' and libraries' code (tests excluded): regex literals, and
 * `new RegExp('…')` / `RegExp('…')` with a literal pattern. A RegExp built from a variable cannot be listed here;
 * `dynamicRegexes` names where those are so a reviewer looks at them.
 */
export function regexInventory(): { literals: FoundRegex[]; dynamic: string[] } {
  const literals: FoundRegex[] = [];
  const dynamic: string[] = [];
  for (const top of SCANNED) {
    for (const file of sourceFiles(join(ROOT, top))) {
      const text = readFileSync(file, 'utf8');
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
      const where = (node: ts.Node) => `${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
      // An explicit stack, not recursion: the inventory must not itself fall over on a deep file.
      const stack: ts.Node[] = [source];
      while (stack.length) {
        const node = stack.pop()!;
        if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
          const raw = node.getText();
          const end = raw.lastIndexOf('/');
          literals.push({ where: where(node), source: raw.slice(1, end), flags: raw.slice(end + 1) });
        } else if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp') {
          const [pattern, flags] = node.arguments ?? [];
          if (pattern && ts.isStringLiteralLike(pattern) && (!flags || ts.isStringLiteralLike(flags))) {
            literals.push({ where: where(node), source: pattern.text, flags: flags && ts.isStringLiteralLike(flags) ? flags.text : '' });
          } else {
            dynamic.push(where(node));
          }
        }
        node.forEachChild((child) => void stack.push(child));
      }
    }
  }
  return { literals, dynamic };
}
