/** SBOM documents as syft and the CycloneDX tools write them (trimmed), for unit and integration tests. */
export const SPDX_DOC = {
  spdxVersion: 'SPDX-2.3',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'alpine',
  packages: [
    {
      SPDXID: 'SPDXRef-Package-apk-musl',
      name: 'musl',
      versionInfo: '1.2.5-r0',
      downloadLocation: 'NOASSERTION',
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'MIT',
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: 'pkg:apk/alpine/musl@1.2.5-r0',
        },
      ],
    },
    // SPDX 2.2 spelling of the category, a concluded licence, no version.
    {
      SPDXID: 'SPDXRef-Package-busybox',
      name: 'busybox',
      downloadLocation: 'NONE',
      licenseConcluded: 'GPL-2.0-only',
      externalRefs: [
        {
          referenceCategory: 'PACKAGE_MANAGER',
          referenceType: 'purl',
          referenceLocator: 'pkg:apk/alpine/busybox',
        },
      ],
    },
  ],
};

export const CYCLONEDX_DOC = {
  bomFormat: 'CycloneDX',
  specVersion: '1.6',
  components: [
    {
      type: 'library',
      group: '@babel',
      name: 'core',
      version: '7.24.0',
      purl: 'pkg:npm/%40babel/core@7.24.0',
      licenses: [{ license: { id: 'MIT' } }],
      components: [
        { type: 'library', name: 'inner', version: '1', licenses: [{ expression: 'Apache-2.0 OR MIT' }] },
      ],
    },
    {
      type: 'library',
      name: 'two-licences',
      version: '2',
      licenses: [{ license: { id: 'MIT' } }, { license: { name: 'Custom' } }],
    },
  ],
};
