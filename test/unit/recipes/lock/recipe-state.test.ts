import { EventEmitter } from 'eventemitter3';
import { describe, expect, it } from 'vitest';
import {
  ConnectionStateErrorPolicy,
  isErrorState,
  OwnershipLostError,
  OwnershipSignal,
  RecipeLifecycle,
  RecipeState,
  RecipeStateError,
} from '../../../../recipes/recipe-state';

describe('recipes: lifecycle', () => {
  it('goes LATENT → STARTED → CLOSED and refuses a second start', () => {
    const lifecycle = new RecipeLifecycle('Example');
    expect(lifecycle.state).toBe(RecipeState.LATENT);
    expect(() => lifecycle.requireStarted('acquire')).toThrow(RecipeStateError);
    lifecycle.start();
    expect(lifecycle.state).toBe(RecipeState.STARTED);
    expect(() => lifecycle.start()).toThrow('Example: cannot start while STARTED');
    expect(lifecycle.close()).toBe(true);
    expect(lifecycle.close()).toBe(false);
    expect(lifecycle.state).toBe(RecipeState.CLOSED);
    expect(() => lifecycle.start()).toThrow(RecipeStateError);
  });
});

describe('recipes: connection-state error policy', () => {
  it('standard treats SUSPENDED and LOST as errors; session only LOST', () => {
    expect(isErrorState(ConnectionStateErrorPolicy.standard, 'SUSPENDED')).toBe(true);
    expect(isErrorState(ConnectionStateErrorPolicy.standard, 'LOST')).toBe(true);
    expect(isErrorState(ConnectionStateErrorPolicy.standard, 'RECONNECTED')).toBe(false);
    expect(isErrorState(ConnectionStateErrorPolicy.session, 'SUSPENDED')).toBe(false);
    expect(isErrorState(ConnectionStateErrorPolicy.session, 'LOST')).toBe(true);
    expect(isErrorState(ConnectionStateErrorPolicy.session, 'CONNECTED')).toBe(false);
  });

  it('an ownership signal fires once with the first error state and then stops listening', () => {
    const source = new EventEmitter<{ stateChanged: [string, string | undefined] }>();
    const ownership = new OwnershipSignal(source as never, 'session', '/lock');
    source.emit('stateChanged', 'SUSPENDED', 'CONNECTED');
    expect(ownership.signal.aborted).toBe(false);
    source.emit('stateChanged', 'LOST', 'SUSPENDED');
    expect(ownership.signal.aborted).toBe(true);
    const reason = ownership.signal.reason as OwnershipLostError;
    expect(reason).toBeInstanceOf(OwnershipLostError);
    expect(reason.reason).toBe('LOST');
    // Fired: nothing can fire it again, so it no longer listens to the client.
    expect(source.listenerCount('stateChanged')).toBe(0);
    ownership.abort('released');
    expect((ownership.signal.reason as OwnershipLostError).reason).toBe('LOST');
    ownership.dispose();
    expect(source.listenerCount('stateChanged')).toBe(0);
  });

  it('dispose stops listening without firing', () => {
    const source = new EventEmitter<{ stateChanged: [string, string | undefined] }>();
    const ownership = new OwnershipSignal(source as never, 'standard', '/lock');
    expect(source.listenerCount('stateChanged')).toBe(1);
    ownership.dispose();
    expect(source.listenerCount('stateChanged')).toBe(0);
    source.emit('stateChanged', 'LOST', 'SUSPENDED');
    expect(ownership.signal.aborted).toBe(false);
  });

  it('under standard a SUSPENDED fires the signal', () => {
    const source = new EventEmitter<{ stateChanged: [string, string | undefined] }>();
    const ownership = new OwnershipSignal(source as never, 'standard', '/lock');
    source.emit('stateChanged', 'SUSPENDED', 'CONNECTED');
    expect((ownership.signal.reason as OwnershipLostError).reason).toBe('SUSPENDED');
    ownership.dispose();
  });
});
