import { Command } from 'cmdk';
import { useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { paletteShortcut, SEARCH_SHORTCUT, sectionShortcut } from './shortcuts';
import { SECTIONS, type Section } from './sections';

export interface PaletteActions {
  onSection: (section: Section) => void;
  onSync: () => void;
  onSearchUsers: () => void;
  onSignOut: () => void;
}

/**
 * Whether the palette is open, and where focus goes when it closes. Radix gives focus back only
 * to a dialog's trigger and the palette has none (a shortcut opens it), so the element focused
 * before is remembered here. After a command ran, focus stays where the command put it (the
 * users search, say).
 */
export function usePaletteState() {
  const [open, setOpen] = useState(false);
  const focusedBefore = useRef<HTMLElement | null>(null);
  const show = useCallback(() => {
    focusedBefore.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setOpen(true);
  }, []);
  const dismiss = useCallback(() => {
    setOpen(false);
    const target = focusedBefore.current;
    // After the dialog has unmounted and Radix has done its own focus handling.
    if (target) setTimeout(() => target.isConnected && target.focus(), 0);
  }, []);
  const closeForCommand = useCallback(() => setOpen(false), []);
  const toggle = useCallback(() => (open ? dismiss() : show()), [open, dismiss, show]);
  return { open, show, dismiss, closeForCommand, toggle };
}

interface CommandPaletteProps extends PaletteActions {
  open: boolean;
  /** Closed without running a command (Escape, a click outside): focus goes back. */
  onDismiss: () => void;
  /** Closed because a command runs. */
  onCommand: () => void;
}

/**
 * Every section and the workspace's actions, found by typing (cmdk filters and ranks them).
 * It is a labelled modal dialog (Radix's, which cmdk builds on): focus moves into its input and
 * stays inside, Escape closes it, and `usePaletteState` gives focus back.
 */
export function CommandPalette({ open, onDismiss, onCommand, onSection, onSync, onSearchUsers, onSignOut }: CommandPaletteProps) {
  const { t } = useTranslation();
  const run = (action: () => void) => () => {
    onCommand();
    action();
  };
  return (
    <Command.Dialog
      open={open}
      onOpenChange={(next) => {
        if (!next) onDismiss();
      }}
      label={t('palette.label')}
      className="palette"
      overlayClassName="palette-overlay"
      contentClassName="palette-dialog"
    >
      <Command.Input placeholder={t('palette.placeholder')} className="palette-input" />
      <Command.List className="palette-list">
        <Command.Empty className="palette-empty">{t('palette.empty')}</Command.Empty>
        <Command.Group heading={t('palette.sections')}>
          {SECTIONS.map((section, index) => (
            <PaletteItem
              key={section}
              value={`section-${section}`}
              label={t('palette.goTo', { section: t(`shell.section.${section}`) })}
              shortcut={sectionShortcut(index)}
              onSelect={run(() => onSection(section))}
            />
          ))}
        </Command.Group>
        <Command.Group heading={t('palette.actions')}>
          <PaletteItem value="sync" label={t('palette.syncNow')} onSelect={run(onSync)} />
          <PaletteItem
            value="search-users"
            label={t('palette.searchUsers')}
            shortcut={SEARCH_SHORTCUT}
            onSelect={run(onSearchUsers)}
          />
          <PaletteItem
            value="open-settings"
            label={t('palette.openSettings')}
            shortcut={sectionShortcut(SECTIONS.indexOf('settings'))}
            onSelect={run(() => onSection('settings'))}
          />
          <PaletteItem value="sign-out" label={t('palette.signOut')} onSelect={run(onSignOut)} />
        </Command.Group>
      </Command.List>
      <div className="palette-footer muted small">{t('palette.shortcutHint', { shortcut: paletteShortcut() })}</div>
    </Command.Dialog>
  );
}

interface PaletteItemProps {
  /** A stable id; the visible label is what the filter matches (given as a keyword). */
  value: string;
  label: string;
  shortcut?: string;
  onSelect: () => void;
}

function PaletteItem({ value, label, shortcut, onSelect }: PaletteItemProps) {
  return (
    <Command.Item value={value} keywords={[label]} onSelect={onSelect} className="palette-item">
      <span>{label}</span>
      {shortcut && <kbd className="shortcut">{shortcut}</kbd>}
    </Command.Item>
  );
}
