import { describe, expect, it } from 'vitest';
import {
  type ApacheFacts,
  apacheSuiteMode,
  chooseApacheBackend,
  isContinuousIntegration,
} from '../../support/backend';

const everything: ApacheFacts = {
  javaPath: '/usr/bin/java',
  debianJarsInstalled: true,
  dockerAvailable: true,
};
const debianOnly: ApacheFacts = { ...everything, dockerAvailable: false };
const dockerOnly: ApacheFacts = { javaPath: undefined, debianJarsInstalled: false, dockerAvailable: true };
const nothing: ApacheFacts = { javaPath: undefined, debianJarsInstalled: false, dockerAvailable: false };
const jarsWithoutJava: ApacheFacts = {
  javaPath: undefined,
  debianJarsInstalled: true,
  dockerAvailable: false,
};

describe('chooseApacheBackend', () => {
  it('auto (and unset, and blank) prefers debian, then docker', () => {
    expect(chooseApacheBackend({}, everything)).toEqual({ kind: 'debian' });
    expect(chooseApacheBackend({ ZOOKIT_APACHE: 'auto' }, everything)).toEqual({ kind: 'debian' });
    expect(chooseApacheBackend({ ZOOKIT_APACHE: ' ' }, debianOnly)).toEqual({ kind: 'debian' });
    expect(chooseApacheBackend({ ZOOKIT_APACHE: 'AUTO' }, dockerOnly)).toEqual({ kind: 'docker' });
  });

  it('auto with neither is unavailable and names both problems', () => {
    const choice = chooseApacheBackend({}, nothing);
    expect(choice.kind).toBe('unavailable');
    expect(choice.reason).toContain('/usr/share/java/zookeeper.jar');
    expect(choice.reason).toContain('no Docker engine');
    expect(choice.reason).toContain('apt-get install');
  });

  it('debian jars without Java do not count as installed', () => {
    const choice = chooseApacheBackend({ ZOOKIT_APACHE: 'auto' }, jarsWithoutJava);
    expect(choice.kind).toBe('unavailable');
    expect(choice.reason).toContain('no Java executable');
    expect(chooseApacheBackend({}, { ...jarsWithoutJava, dockerAvailable: true })).toEqual({
      kind: 'docker',
    });
  });

  it('an explicit debian never falls back to docker', () => {
    expect(chooseApacheBackend({ ZOOKIT_APACHE: 'debian' }, everything)).toEqual({ kind: 'debian' });
    const choice = chooseApacheBackend({ ZOOKIT_APACHE: 'debian' }, dockerOnly);
    expect(choice.kind).toBe('unavailable');
    expect(choice.reason).toMatch(/^ZOOKIT_APACHE=debian but Debian's ZooKeeper jars are missing/);
  });

  it('an explicit docker never falls back to debian', () => {
    expect(chooseApacheBackend({ ZOOKIT_APACHE: 'docker' }, everything)).toEqual({ kind: 'docker' });
    const choice = chooseApacheBackend({ ZOOKIT_APACHE: 'docker' }, debianOnly);
    expect(choice).toEqual({
      kind: 'unavailable',
      reason: 'ZOOKIT_APACHE=docker but no Docker engine was found (DOCKER_HOST or docker.sock)',
    });
  });

  it('an unknown value is unavailable, quoting the value', () => {
    expect(chooseApacheBackend({ ZOOKIT_APACHE: 'podman' }, everything)).toEqual({
      kind: 'unavailable',
      reason: "ZOOKIT_APACHE must be debian, docker or auto, not 'podman'",
    });
  });
});

describe('isContinuousIntegration', () => {
  it('reads CI like CI providers set it', () => {
    expect(isContinuousIntegration({ CI: 'true' })).toBe(true);
    expect(isContinuousIntegration({ CI: '1' })).toBe(true);
    expect(isContinuousIntegration({ CI: 'TRUE' })).toBe(true);
    expect(isContinuousIntegration({})).toBe(false);
    expect(isContinuousIntegration({ CI: '' })).toBe(false);
    expect(isContinuousIntegration({ CI: 'false' })).toBe(false);
    expect(isContinuousIntegration({ CI: '0' })).toBe(false);
  });
});

describe('apacheSuiteMode', () => {
  const unavailable = chooseApacheBackend({}, nothing);

  it('runs whenever a backend is available, in CI or not', () => {
    expect(apacheSuiteMode({ kind: 'debian' }, { CI: 'true' })).toBe('run');
    expect(apacheSuiteMode({ kind: 'docker' }, {})).toBe('run');
  });

  it('fails in CI and skips elsewhere when nothing is available', () => {
    expect(apacheSuiteMode(unavailable, { CI: 'true' })).toBe('fail');
    expect(apacheSuiteMode(unavailable, {})).toBe('skip');
    expect(apacheSuiteMode(unavailable, { CI: 'false' })).toBe('skip');
  });
});
