/** The application menu: the standard roles, plus a link to the project. */
import { Menu, type MenuItemConstructorOptions } from 'electron';
import { openExternalHttps } from './security';

export function installMenu(): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        {
          label: 'Lading on GitHub',
          click: () => void openExternalHttps('https://github.com/lading/lading'),
        },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
