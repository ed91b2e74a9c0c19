// The package's public types as plain TypeScript: every type src/api.ts exports, expanded by the
// compiler into object and union types (no schema library, no Signet source, no Env), so a
// caller type-checks with nothing but TypeScript (and @cloudflare/workers-types for `./rpc`).
import { join } from 'node:path'
import ts from 'typescript'

/** The declarations of src/api.ts's exports, each `export type Name = <its structure>`. */
export function apiDeclarations(root) {
  const entry = join(root, 'src', 'api.ts')
  const program = ts.createProgram([entry], {
    strict: true,
    exactOptionalPropertyTypes: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    noEmit: true,
    types: ['@cloudflare/workers-types'],
  })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(entry)
  const printer = ts.createPrinter({ removeComments: false })
  const flags =
    ts.NodeBuilderFlags.NoTruncation |
    ts.NodeBuilderFlags.InTypeAlias |
    ts.NodeBuilderFlags.MultilineObjectLiterals |
    ts.NodeBuilderFlags.IgnoreErrors
  const out = []
  for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(source))) {
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    const declaration = symbol.declarations?.[0]
    const parameters =
      declaration && ts.isTypeAliasDeclaration(declaration) && declaration.typeParameters
        ? `<${declaration.typeParameters.map((p) => p.getText()).join(', ')}>`
        : ''
    const node = checker.typeToTypeNode(checker.getDeclaredTypeOfSymbol(symbol), source, flags)
    const text = printer.printNode(ts.EmitHint.Unspecified, node, source)
    out.push(`export type ${exported.name}${parameters} = ${text};`)
  }
  // A type named by one of api.ts's own exports stays a name: it is declared in the same file.
  const body = out.join('\n\n').replace(/import\("[^"]*\/src\/api"\)\./g, '')
  // JSON documents in answers (a bucket policy, CORS rules) are JSON, not `unknown`: Workers RPC
  // types (Service<…>) drop a result branch holding anything not known to be serializable, and
  // give up on a recursive type.
  const json = body.replace(/\bunknown\b/g, 'JsonValue')
  // Nothing of the schema library or of Signet's modules may leak into what callers read.
  const leak = /\bz\.|zod|import\(/.exec(json)
  if (leak) throw new Error(`src/api.ts's types still name ${leak[0]}: expand them`)
  return `// Signet's public API types, generated from src/api.ts by scripts/api-types.mjs.

/** A JSON value, nested up to six levels (not recursive: Workers RPC types check it whole). */
export type JsonValue = Json6;
type Json0 = string | number | boolean | null;
type Json1 = Json0 | Json0[] | { [key: string]: Json0 };
type Json2 = Json0 | Json1[] | { [key: string]: Json1 };
type Json3 = Json0 | Json2[] | { [key: string]: Json2 };
type Json4 = Json0 | Json3[] | { [key: string]: Json3 };
type Json5 = Json0 | Json4[] | { [key: string]: Json4 };
type Json6 = Json0 | Json5[] | { [key: string]: Json5 };

${json}
`
}
