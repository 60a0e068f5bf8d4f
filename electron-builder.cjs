// Installers: `npx electron-vite build && npx electron-builder --publish never` (CI does it per OS,
// .github/workflows/ci.yml). CommonJS so that electron-builder finds it by name and a test can read it.
module.exports = {
  appId: 'dev.rightsize.app',
  // Also the app's name, so Electron's userData is <appData>/rightsize: the CLI's data folder.
  productName: 'rightsize',
  directories: { output: 'dist' },
  files: [
    // out/main holds the main process, the CLI and the llama worker; resources/ the catalogs.
    'out/**',
    'resources/**',
    'package.json',
    // Only this platform's llama.cpp builds (e.g. linux-x64, -cuda, -vulkan), as in node-llama-cpp's
    // Electron template: npm installs other architectures' packages too, hundreds of MB.
    '!node_modules/@node-llama-cpp/*/bins/**/*',
    'node_modules/@node-llama-cpp/${os}-${arch}*/bins/**/*',
  ],
  // node-llama-cpp loads native libraries and the OS cannot load those from inside an archive.
  // The llama worker stays in app.asar: it runs as Electron-as-node, which reads the archive, and
  // its imports resolve only there (an unpacked copy would not find zod or node-llama-cpp's
  // dependencies). electron-builder also unpacks any other *.node file it finds.
  asarUnpack: ['node_modules/node-llama-cpp/**', 'node_modules/@node-llama-cpp/**'],
  mac: { target: 'dmg', category: 'public.app-category.developer-tools' },
  win: { target: 'nsis' },
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Development',
    executableName: 'rightsize',
    // deb needs a maintainer; package.json names no author email.
    maintainer: 'rightsize contributors',
  },
};
