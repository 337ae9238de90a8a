import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('tool configuration', () => {
  it('defaults: no stdio command allowed, 20 tool steps, ./data/workspaces', () => {
    const c = loadConfig({});
    expect([c.toolCommands, c.taskMaxToolSteps, c.workspaceDir, c.toolTimeoutMs]).toEqual([[], 20, './data/workspaces', 30_000]);
  });
  it('TOOL_COMMANDS is a list of executable names; a path is refused', () => {
    expect(loadConfig({ TOOL_COMMANDS: ' node, npx ,' }).toolCommands).toEqual(['node', 'npx']);
    expect(() => loadConfig({ TOOL_COMMANDS: 'node,/bin/sh' })).toThrow(ConfigError);
    expect(() => loadConfig({ TASK_MAX_TOOL_STEPS: '0' })).toThrow(/TASK_MAX_TOOL_STEPS/);
  });
  it('WORKSPACE_URL (S3) is not built: refused with a reason rather than ignored', () => {
    expect(() => loadConfig({ WORKSPACE_URL: 's3://bucket/prefix' })).toThrow(/WORKSPACE_URL=.*not built/);
  });
});
