// @vitest-environment jsdom
/**
 * The address bar as the source of truth (issue #12): `navigate` adds history entries, Back and an edited
 * address move the route (`state/route.ts`) and clear the filters of a list left, an address that names
 * no screen is replaced by the nearest one with a notice.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followLocation as follow, getRoute, navigate } from '../../renderer/state/route';
import { followHistoryKeys } from '../../renderer/state/router';
import { useUi } from '../../renderer/state/ui';

const followLocation = () => follow((notice) => useUi.getState().toast(notice, 'error'));

const popped = () => new Promise((resolve) => window.addEventListener('popstate', resolve, { once: true }));
let stop: () => void = () => {};

beforeEach(() => {
  history.replaceState(null, '', '/');
  navigate({ screen: 'welcome' }, { replace: true });
  history.replaceState(null, '', '/');
  useUi.setState({ toasts: [] });
});
afterEach(() => stop());

describe('router', () => {
  it('navigate pushes one history entry per screen; Back walks them back', async () => {
    stop = followLocation();
    const start = history.length;
    navigate({ screen: 'repositories', connectionId: 'c1' }, { replace: true });
    navigate({ screen: 'tags', connectionId: 'c1', repository: 'demo/multi' });
    navigate({ screen: 'image', connectionId: 'c1', repository: 'demo/multi', reference: '1.0' });
    navigate({
      screen: 'image',
      connectionId: 'c1',
      repository: 'demo/multi',
      reference: '1.0',
      platform: 'linux/arm64',
    });
    // The same screen again adds nothing.
    navigate({
      screen: 'image',
      connectionId: 'c1',
      repository: 'demo/multi',
      reference: '1.0',
      platform: 'linux/arm64',
    });
    expect(history.length).toBe(start + 3);
    expect(window.location.hash).toBe('#/c/c1/r/demo/multi/t/1.0?platform=linux/arm64');

    history.back();
    await popped();
    expect(getRoute()).toEqual({
      screen: 'image',
      connectionId: 'c1',
      repository: 'demo/multi',
      reference: '1.0',
    });
    history.back();
    await popped();
    expect(getRoute()).toEqual({ screen: 'tags', connectionId: 'c1', repository: 'demo/multi' });
    history.back();
    await popped();
    expect(getRoute()).toEqual({ screen: 'repositories', connectionId: 'c1' });
  });

  it('opens the screen the address names at start (a reload, a bookmark)', () => {
    history.replaceState(null, '', '/#/c/c1/r/demo/app/d/sha256:abcd');
    stop = followLocation();
    expect(getRoute()).toEqual({
      screen: 'image',
      connectionId: 'c1',
      repository: 'demo/app',
      reference: 'sha256:abcd',
    });
  });

  it('an edited address moves the app; filters of another list are cleared', async () => {
    stop = followLocation();
    navigate({ screen: 'tags', connectionId: 'c1', repository: 'a' });
    useUi.getState().setTagFilter('v1');
    window.location.hash = '#/c/c1/r/b';
    await new Promise((resolve) => window.addEventListener('hashchange', resolve, { once: true }));
    expect(getRoute()).toEqual({ screen: 'tags', connectionId: 'c1', repository: 'b' });
    expect(useUi.getState().tagFilter).toBe('');
  });

  it('an address that names no screen lands on the nearest one, with a notice', () => {
    history.replaceState(null, '', '/#/c/c1/r/demo/app/d/not-a-digest');
    stop = followLocation();
    expect(getRoute()).toEqual({ screen: 'tags', connectionId: 'c1', repository: 'demo/app' });
    expect(window.location.hash).toBe('#/c/c1/r/demo/app');
    expect(useUi.getState().toasts.map((t) => t.text)).toEqual([
      '“not-a-digest” is not a digest: showing the nearest screen instead.',
    ]);
  });

  it('in a window without browser chrome, Alt+← / Alt+→ and the mouse side buttons go Back and Forward', async () => {
    stop = followLocation();
    const keys = followHistoryKeys();
    try {
      navigate({ screen: 'repositories', connectionId: 'c1' });
      navigate({ screen: 'tags', connectionId: 'c1', repository: 'a' });
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', altKey: true }));
      await popped();
      expect(getRoute()).toEqual({ screen: 'repositories', connectionId: 'c1' });
      window.dispatchEvent(new MouseEvent('mouseup', { button: 4 }));
      await popped();
      expect(getRoute()).toEqual({ screen: 'tags', connectionId: 'c1', repository: 'a' });
      window.dispatchEvent(new MouseEvent('mouseup', { button: 3 }));
      await popped();
      expect(getRoute()).toEqual({ screen: 'repositories', connectionId: 'c1' });
      // In a text field, Alt+← is the field's (word by word), not Back.
      const input = document.createElement('input');
      document.body.append(input);
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', altKey: true, bubbles: true }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(getRoute()).toEqual({ screen: 'repositories', connectionId: 'c1' });
      input.remove();
    } finally {
      keys();
    }
  });
});
