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
  it('WORKSPACE_URL: s3://bucket/prefix is AWS S3, http(s)://host/bucket/prefix an S3-compatible endpoint; unset, no S3', () => {
    expect(loadConfig({}).workspaceS3).toBeUndefined();
    expect(loadConfig({ WORKSPACE_URL: 's3://my-bucket/team/baton/', AWS_REGION: 'eu-west-1' }).workspaceS3).toEqual({
      bucket: 'my-bucket',
      prefix: 'team/baton',
      region: 'eu-west-1',
    });
    expect(loadConfig({ WORKSPACE_URL: 'http://127.0.0.1:9000/baton', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' }).workspaceS3).toEqual({
      bucket: 'baton',
      prefix: '',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
    });
    // Used with PostgreSQL too (the S3 workspace is chosen in any mode).
    expect(loadConfig({ WORKSPACE_URL: 'https://s3.example.com/b-1/p', DATABASE_URL: 'postgres://x/y' }).workspaceS3?.endpoint).toBe('https://s3.example.com');
  });
  it('WORKSPACE_URL: a bad value is one line naming the expected forms; credentials in the URL are refused and not echoed', () => {
    for (const bad of ['s3://', 's3://Bad_Bucket/x', 'ftp://host/bucket', 'http://host/', 's3://bucket/a/../b', 's3://bucket/a//b', 's3://bucket/x?versionId=1', 'not a url']) {
      expect(() => loadConfig({ WORKSPACE_URL: bad }), bad).toThrow(/^WORKSPACE_URL=.* is invalid: expected s3:\/\/bucket\[\/prefix\][^\n]*$/);
    }
    const err = (() => {
      try {
        loadConfig({ WORKSPACE_URL: 'http://key:very-secret@minio:9000/bucket' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).not.toContain('very-secret');
    expect(() => loadConfig({ WORKSPACE_URL: 's3://bucket', AWS_ACCESS_KEY_ID: 'only-the-id' })).toThrow(/go together/);
  });
});
