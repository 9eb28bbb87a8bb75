import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { catalogModel, catalogModelOfFile, DEFAULT_LOCAL_MODEL, LOCAL_MODEL_IDS } from './model-catalog';

const ROOT = join(__dirname, '../../..');

describe('model catalog (scripts/models.json)', () => {
  it.each(LOCAL_MODEL_IDS)('%s: its parts add up to the file, and its licence text ships in the repo', (id) => {
    const model = catalogModel(id);
    expect(model.parts.reduce((sum, p) => sum + p.bytes, 0)).toBe(model.bytes);
    expect(new Set(model.parts.map((p) => p.pypi)).size).toBe(model.parts.length);
    expect(model.parts.every((p) => /==/.test(p.pypi))).toBe(true);
    expect(existsSync(join(ROOT, model.license.text))).toBe(true);
    expect(model.generation.maxTokens).toBeLessThan(model.generation.contextSize);
    expect(model.generation.contextSize).toBeLessThanOrEqual(model.trainedContext);
  });

  it('gives each model its own file name, and finds a model by its file', () => {
    const files = LOCAL_MODEL_IDS.map((id) => catalogModel(id).file);
    expect(new Set(files).size).toBe(files.length);
    expect(catalogModelOfFile('/any/where/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf')?.id).toBe('qwen2.5-coder-1.5b');
    expect(catalogModelOfFile('/any/where/other.gguf')).toBeUndefined();
  });

  it('defaults to Qwen2.5-Coder-0.5B-Instruct', () => {
    expect(DEFAULT_LOCAL_MODEL).toBe('qwen2.5-coder-0.5b');
    expect(() => catalogModel('nope')).toThrow('no model "nope" in the catalog');
  });
});
