/** Leak scan: the fake Gemini key is in no log event, image layer, cassette or output of the run. */
import { PROJECT_CASSETTES } from '../../gemini/cassette-file.ts';
import type { RehearsalStep } from '../step.ts';

export const leakScan: RehearsalStep = {
  name: 'leak-scan',
  title: 'The fake Gemini key is in no log event, image layer, cassette or output',
  async run(ctx, run) {
    const { scanner, started, docker } = ctx;
    if (started.clients) await scanner.logGroups(started.clients);
    if (started.geminiContainer)
      await scanner.containerLogs(docker, started.geminiContainer, started.geminiContainer);
    const imageScanFailed = await ctx.imageScan.result();
    if (imageScanFailed) throw imageScanFailed;
    await scanner.directory(PROJECT_CASSETTES);
    scanner.text('the rehearsal output', ctx.transcript.join('\n'));
    for (const finding of scanner.result.findings)
      run.expect(false, `the key (${finding.form}) is in ${finding.where}`);
    run.note(`scanned ${scanner.result.scanned.length} sources: ${summarizeScanned(scanner.result.scanned)}`);
  },
};

/** What was scanned, by kind: every name except the cassette files, which are counted. */
function summarizeScanned(scanned: string[]): string {
  const cassettes = scanned.filter((source) => source.startsWith(PROJECT_CASSETTES));
  const named = scanned.filter((source) => !source.startsWith(PROJECT_CASSETTES));
  return [...named, `${cassettes.length} cassette files in ${PROJECT_CASSETTES}`].join('; ');
}
