/**
 * Every project cassette holds the request the API really sends Gemini for its question: the body the
 * chat route's request builder and the service's client put on the wire, system instruction and all.
 * When the service changes what it sends, this fails; `DEVKIT_RESHAPE_CASSETTES=1` rewrites the
 * recorded requests from the service (the replies stay as they are):
 *
 *   DEVKIT_RESHAPE_CASSETTES=1 npm test -- devkit/test/gemini/cassette-requests.test.ts
 */
import { describe, expect, it } from 'vitest';
import { writeCassetteFile, loadCassetteDir, PROJECT_CASSETTES } from '../../src/gemini/cassette-file.ts';
import { apiRequestBody, chatInputOf } from './contract-support.ts';

const reshape = process.env.DEVKIT_RESHAPE_CASSETTES === '1';
const cassettes = await loadCassetteDir(PROJECT_CASSETTES);
// The API never counts tokens: that cassette holds what the SDK's countTokens sends, for other clients.
const askedByTheApi = cassettes.filter((cassette) =>
  cassette.definitions.every((definition) => !definition.path.includes(':countTokens')),
);

describe(`the project cassettes hold the requests the API sends${reshape ? ' (reshaping them)' : ''}`, () => {
  it('covers every cassette but count-tokens', () => {
    expect(cassettes.length - askedByTheApi.length).toBe(1);
  });

  it.each(askedByTheApi.map((cassette) => [cassette.name, cassette] as const))(
    '%s',
    async (_name, cassette) => {
      const sent = await Promise.all(
        cassette.definitions.map((definition) => apiRequestBody(chatInputOf(definition.body))),
      );
      if (reshape) {
        const definitions = cassette.definitions.map((definition, i) => ({ ...definition, body: sent[i] }));
        await writeCassetteFile(`${PROJECT_CASSETTES}/${cassette.name}.json`, definitions, []);
        return;
      }
      expect(
        cassette.definitions.map((definition) => definition.body),
        `cassette ${cassette.name} no longer holds what the API sends: rerun this test with DEVKIT_RESHAPE_CASSETTES=1`,
      ).toEqual(sent);
    },
  );
});
