#!/usr/bin/env node
// A real Apache Kafka broker (KRaft, no ZooKeeper) for development and CI, installed from Maven Central.
//   node scripts/kafka.mjs start [--nodes 1|3]   install on first run, start detached, wait until ready
//   node scripts/kafka.mjs stop [--clean]         SIGTERM, wait up to 20 s, SIGKILL; --clean also deletes data
//   node scripts/kafka.mjs status                 exit 0 when every node is up and ready, 3 otherwise
// Progress goes to stderr; `start` and `status` print one line `KAFKA_BROKERS=host:port,...` on stdout, so
// `node scripts/kafka.mjs start >> "$GITHUB_ENV"` works. Everything lives in the git-ignored .cache/kafka/
// (override with KAFKA_CACHE_DIR). Needs Java 17+ and Maven (mvn) on PATH; see docs/kafka-dev-broker.md.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { portOpen, readFileSafe, runCli, secs, signal, sleep, tail, UsageError } from './lib/dev-process.mjs';

const KAFKA_VERSION = '4.4.0';
// Kafka 4.4 still logs through SLF4J 1.7 (slf4j-api 1.7.36 arrives transitively), so the binding is the 1.x
// one (log4j-slf4j-impl), not log4j-slf4j2-impl; without it the broker logs nothing and readiness is invisible.
// 2.25.5 is the log4j-core version kafka-server 4.4.0 itself depends on.
const LOG4J_VERSION = '2.25.5';
const START_TIMEOUT_MS = Number(process.env.KAFKA_START_TIMEOUT_MS ?? 60_000);
const STOP_TIMEOUT_MS = 20_000;
const HEAP_OPTS = (process.env.KAFKA_HEAP_OPTS ?? '-Xms128m -Xmx256m').split(/\s+/).filter(Boolean);

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const home = resolve(root, process.env.KAFKA_CACHE_DIR ?? '.cache/kafka');
const libDir = join(home, 'lib');
const libMarker = join(libDir, '.complete');
const configDir = join(home, 'config');
const dataDir = join(home, 'data');
const logsDir = join(home, 'logs');
const runDir = join(home, 'run');
const layoutFile = join(dataDir, 'layout.json'); // cluster id + topology the data was formatted for
const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
const mvn = process.env.MVN ?? 'mvn';

const log = (msg) => process.stderr.write(`[kafka] ${msg}\n`);


// ---------------------------------------------------------------------------------------------- topology

function topology(nodes) {
  if (nodes === 1) {
    const port = Number(process.env.KAFKA_PORT ?? 9092);
    const controllerPort = Number(process.env.KAFKA_CONTROLLER_PORT ?? port + 1);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new UsageError(`bad KAFKA_PORT: ${process.env.KAFKA_PORT}`);
    return [{ id: 1, port, controllerPort }];
  }
  if (nodes === 3) return [1, 2, 3].map((id) => ({ id, port: 29092 + id * 100, controllerPort: 29093 + id * 100 }));
  throw new UsageError(`--nodes must be 1 or 3 (got ${nodes})`);
}

const brokersOf = (nodes) => nodes.map((n) => `localhost:${n.port}`).join(',');
const layoutKey = (nodes) => nodes.map((n) => `${n.id}@${n.port}/${n.controllerPort}`).join(',');
const pidFile = (id) => join(runDir, `node-${id}.pid`);
const logFile = (id) => join(logsDir, `node-${id}.log`);
const propsFile = (id) => join(configDir, `node-${id}`, 'server.properties');
const nodeDataDir = (id) => join(dataDir, `node-${id}`);

function serverProperties(node, nodes) {
  const n = nodes.length;
  const voters = nodes.map((v) => `${v.id}@localhost:${v.controllerPort}`).join(',');
  const internalRf = n === 1 ? 1 : 3;
  const internalIsr = n === 1 ? 1 : 2;
  const lines = [
    `# Written by scripts/kafka.mjs on every start; edit the script, not this file.`,
    `process.roles=broker,controller`,
    `node.id=${node.id}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://localhost:${node.port},CONTROLLER://localhost:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://localhost:${node.port}`,
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT`,
    `inter.broker.listener.name=PLAINTEXT`,
    `controller.listener.names=CONTROLLER`,
    `log.dirs=${nodeDataDir(node.id)}`,
    `num.partitions=1`,
    `default.replication.factor=${internalRf}`,
    `auto.create.topics.enable=false`,
    // Internal topics: without RF 1 on a single node, consumer groups never find a coordinator.
    `offsets.topic.replication.factor=${internalRf}`,
    `transaction.state.log.replication.factor=${internalRf}`,
    `transaction.state.log.min.isr=${internalIsr}`,
    `share.coordinator.state.topic.replication.factor=${internalRf}`,
    `share.coordinator.state.topic.min.isr=${internalIsr}`,
    // The first consumer-group join would otherwise wait 3 s for more members.
    `group.initial.rebalance.delay.ms=0`,
    // Consumers may ask for sessions down to 1 s (the broker's default floor is 6 s), so a crashed replica's
    // partitions move to the survivors in seconds (KAFKA_SESSION_TIMEOUT_MS; test/distributed/faults.e2e-spec.ts).
    `group.min.session.timeout.ms=1000`,
    // The log cleaner's dedupe buffer defaults to 128 MB, half of this broker's 256 MB heap: a restart that loaded
    // an earlier run's logs died with "OutOfMemoryError: Java heap space" in the cleaner's start-up. Compacted topics
    // here (consumer offsets) are tiny.
    `log.cleaner.dedupe.buffer.size=16777216`,
  ];
  if (n > 1) {
    // Detect a dead broker in ~3 s instead of 9 s, so failover tests stay short.
    lines.push(`broker.heartbeat.interval.ms=500`, `broker.session.timeout.ms=3000`);
  }
  if (process.env.TMP_EXTRA) lines.push(...process.env.TMP_EXTRA.split(';'));
  return lines.join('\n') + '\n';
}

// Console-only logging; the script redirects each node's stdout/stderr to .cache/kafka/logs/node-N.log.
const LOG4J2_XML = `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN" shutdownHook="disable">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
    <Root level="INFO">
      <AppenderRef ref="STDOUT"/>
    </Root>
  </Loggers>
</Configuration>
`;

// ---------------------------------------------------------------------------------------------- install

const POM_XML = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/kafka.mjs: only used to fetch the broker's jars from Maven Central. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>relay.dev</groupId>
  <artifactId>kafka-dev-broker</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>${LOG4J_VERSION}</version>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>${LOG4J_VERSION}</version>
      <scope>runtime</scope>
    </dependency>
  </dependencies>
</project>
`;

function installed() {
  if (!existsSync(libMarker)) return false;
  try {
    const marker = JSON.parse(readFileSync(libMarker, 'utf8'));
    return marker.kafka === KAFKA_VERSION && marker.log4j === LOG4J_VERSION && marker.jars.every((j) => existsSync(join(libDir, j)));
  } catch {
    return false;
  }
}

function checkJava() {
  const res = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (res.error) throw new Error(`cannot run ${java} (${res.error.code ?? res.error.message}): Kafka ${KAFKA_VERSION} needs Java 17 or newer`);
  const m = /version "(\d+)(?:\.(\d+))?/.exec(res.stderr ?? '');
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (major < 17) throw new Error(`Kafka ${KAFKA_VERSION} needs Java 17 or newer; ${java} is ${m ? m[0] : 'unknown'}`);
}

function install() {
  if (installed()) return;
  const t0 = Date.now();
  log(`installing Apache Kafka ${KAFKA_VERSION} from Maven Central into ${home} (first run only)`);
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'pom.xml'), POM_XML);
  // Copy into a scratch folder and rename at the end: an interrupted run never leaves a half-filled lib/.
  const partial = join(home, 'lib.partial');
  rmSync(partial, { recursive: true, force: true });
  const res = spawnSync(mvn, ['-q', '-B', 'dependency:copy-dependencies', '-DoutputDirectory=lib.partial', '-DincludeScope=runtime'], {
    cwd: home,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (res.error) throw new Error(`cannot run ${mvn} (${res.error.code ?? res.error.message}): install Maven 3.8+ or set MVN`);
  if (res.status !== 0) {
    process.stderr.write(tail(`${res.stdout}\n${res.stderr}`, 40));
    throw new Error(`mvn dependency:copy-dependencies failed (exit ${res.status}); see the output above`);
  }
  const jars = readdirSync(partial).filter((f) => f.endsWith('.jar'));
  if (!jars.some((j) => j.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) throw new Error(`mvn finished but ${partial} holds no kafka_2.13 jar`);
  rmSync(libDir, { recursive: true, force: true });
  renameSync(partial, libDir);
  writeFileSync(libMarker, JSON.stringify({ kafka: KAFKA_VERSION, log4j: LOG4J_VERSION, jars }, null, 2) + '\n');
  const mb = jars.reduce((sum, j) => sum + statSync(join(libDir, j)).size, 0) / 1e6;
  log(`installed ${jars.length} jars (${mb.toFixed(0)} MB) in ${secs(Date.now() - t0)}`);
}

// Runs a Kafka command-line class to completion; output is shown only when it fails.
function runTool(args, what) {
  return new Promise((ok, fail) => {
    const child = spawn(java, ['-Xmx256m', `-Dlog4j2.configurationFile=${join(configDir, 'log4j2.xml')}`, '-cp', `${libDir}/*`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => fail(new Error(`${what}: cannot run ${java} (${e.code ?? e.message})`)));
    child.on('close', (code) => {
      if (code === 0) return ok(out);
      process.stderr.write(tail(`${out}\n${err}`, 30));
      fail(new Error(`${what} failed (exit ${code})`));
    });
  });
}

// ---------------------------------------------------------------------------------------------- processes

function readPid(id) {
  try {
    return Number(readFileSync(pidFile(id), 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

// Alive and still our broker: a recycled pid that now belongs to another program does not count.
function isOurs(pid, id) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code !== 'EPERM') return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('kafka.Kafka') && cmdline.includes(propsFile(id));
  } catch {
    return process.platform !== 'linux'; // no /proc (macOS): trust the pid
  }
}

/** Node ids with a pid file, whatever topology they belong to. */
function knownNodes() {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir)
    .map((f) => /^node-(\d+)\.pid$/.exec(f))
    .filter(Boolean)
    .map((m) => Number(m[1]))
    .sort();
}

function readState() {
  try {
    return JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8'));
  } catch {
    return null;
  }
}

function logTail(id, lines = 40) {
  try {
    return tail(readFileSync(logFile(id), 'utf8'), lines);
  } catch {
    return '(no log)\n';
  }
}

// Minimal Kafka wire protocol (request header v1, response header v0, non-flexible versions) so the script
// needs no client library: enough to ask a broker who is in the cluster and to find coordinators.
function kafkaRequest(port, apiKey, apiVersion, body, timeoutMs = 2000) {
  return new Promise((ok) => {
    const clientId = Buffer.from('relay-kafka-mjs');
    const header = Buffer.alloc(10 + clientId.length);
    header.writeInt16BE(apiKey, 0);
    header.writeInt16BE(apiVersion, 2);
    header.writeInt32BE(1, 4); // correlation id
    header.writeInt16BE(clientId.length, 8);
    clientId.copy(header, 10);
    const size = Buffer.alloc(4);
    size.writeInt32BE(header.length + body.length);

    const sock = connect({ port, host: 'localhost' });
    let buf = Buffer.alloc(0);
    const done = (v) => {
      sock.destroy();
      ok(v);
    };
    sock.setTimeout(timeoutMs, () => done(null));
    sock.once('error', () => done(null));
    sock.once('close', () => done(null));
    sock.once('connect', () => sock.write(Buffer.concat([size, header, body])));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) done(buf.subarray(8)); // skip size + correlation id
    });
  });
}

const int32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int16 = (n) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const str = (s) => Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)]);

function reader(buf) {
  let p = 0;
  const r = {
    int8: () => buf.readInt8((p += 1) - 1),
    int16: () => buf.readInt16BE((p += 2) - 2),
    int32: () => buf.readInt32BE((p += 4) - 4),
    string: () => {
      const len = r.int16();
      if (len < 0) return null;
      return buf.toString('utf8', p, (p += len));
    },
    array: (item) => Array.from({ length: Math.max(r.int32(), 0) }, item),
  };
  return r;
}

// Metadata v4 (Kafka 4 dropped v0-v3). Brokers in the response are the registered, unfenced ones, which is
// what "ready" means to a client. `topics` empty = none (null would mean all).
async function metadata(port, topics = []) {
  const body = Buffer.concat([int32(topics.length), ...topics.map(str), Buffer.from([0])]); // allow_auto_topic_creation=false
  const res = await kafkaRequest(port, 3, 4, body);
  if (!res) return null;
  try {
    const r = reader(res);
    r.int32(); // throttle_time_ms
    const brokers = r.array(() => ({ nodeId: r.int32(), host: r.string(), port: r.int32(), rack: r.string() }));
    const clusterId = r.string();
    const controllerId = r.int32();
    const topicList = r.array(() => ({
      error: r.int16(),
      name: r.string(),
      internal: r.int8(),
      partitions: r.array(() => ({ error: r.int16(), id: r.int32(), leader: r.int32(), replicas: r.array(r.int32), isr: r.array(r.int32) })),
    }));
    return { brokers, clusterId, controllerId, topics: topicList };
  } catch {
    return null;
  }
}

// FindCoordinator v1; keyType 0 = consumer group, 1 = transactional id. The first such request makes the
// broker create __consumer_offsets / __transaction_state (50 partitions each); returns the error code.
async function findCoordinator(port, key, keyType) {
  const res = await kafkaRequest(port, 10, 1, Buffer.concat([str(key), Buffer.from([keyType])]));
  return res ? reader(res.subarray(4)).int16() : -1;
}

// CreateTopics v2 / DeleteTopics v1 for one topic; return the topic's error code (or -1 without an answer).
async function createTopic(port, name, partitions, replicationFactor) {
  const topic = Buffer.concat([str(name), int32(partitions), int16(replicationFactor), int32(0), int32(0)]);
  const res = await kafkaRequest(port, 19, 2, Buffer.concat([int32(1), topic, int32(10_000), Buffer.from([0])]), 12_000);
  if (!res) return -1;
  const r = reader(res.subarray(4));
  return r.array(() => ({ name: r.string(), error: r.int16(), message: r.string() }))[0]?.error ?? -1;
}

async function deleteTopic(port, name) {
  const res = await kafkaRequest(port, 20, 1, Buffer.concat([int32(1), str(name), int32(10_000)]), 12_000);
  if (!res) return -1;
  const r = reader(res.subarray(4));
  return r.array(() => ({ name: r.string(), error: r.int16() }))[0]?.error ?? -1;
}

async function nodeReady(node, nodes) {
  if (!/Kafka Server started/.test(readFileSafe(logFile(node.id)))) return false;
  const md = await metadata(node.port);
  return md !== null && md.brokers.length === nodes.length;
}

// ---------------------------------------------------------------------------------------------- commands

async function start(nodeCount) {
  const nodes = topology(nodeCount);
  const state = readState();
  const running = knownNodes().filter((id) => isOurs(readPid(id), id));

  if (running.length > 0 && state && state.layout !== layoutKey(nodes)) {
    throw new UsageError(
      `a ${state.nodes.length}-node Kafka (${state.brokers}) is already running; run \`node scripts/kafka.mjs stop\` before starting a ${nodeCount}-node one`,
    );
  }
  if (running.length === nodes.length && nodes.every((n) => running.includes(n.id))) {
    log(`already running (${nodes.length} node${nodes.length > 1 ? 's' : ''}, pids ${nodes.map((n) => readPid(n.id)).join(', ')}); nothing to do`);
    await waitReady(nodes, Date.now() + START_TIMEOUT_MS);
    console.log(`KAFKA_BROKERS=${brokersOf(nodes)}`);
    return;
  }

  checkJava();
  install();

  const toStart = nodes.filter((n) => !running.includes(n.id));
  for (const n of toStart) {
    for (const port of [n.port, n.controllerPort]) {
      if (await portOpen(port, 'localhost')) {
        throw new Error(`port ${port} is already in use by a process this script did not start (set KAFKA_PORT, or stop it)`);
      }
    }
  }

  mkdirSync(configDir, { recursive: true });
  mkdirSync(logsDir, { recursive: true });
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(configDir, 'log4j2.xml'), LOG4J2_XML);
  for (const n of nodes) {
    mkdirSync(dirname(propsFile(n.id)), { recursive: true });
    writeFileSync(propsFile(n.id), serverProperties(n, nodes));
  }

  // Storage: one cluster id for all nodes, formatted once; data formatted for another topology is reset.
  let layout = null;
  try {
    layout = JSON.parse(readFileSync(layoutFile, 'utf8'));
  } catch {}
  if (layout && layout.layout !== layoutKey(nodes)) {
    log(`data in ${dataDir} belongs to another topology (${layout.layout}); deleting it for ${layoutKey(nodes)}`);
    rmSync(dataDir, { recursive: true, force: true });
    layout = null;
  }
  if (!layout) {
    const out = await runTool(['kafka.tools.StorageTool', 'random-uuid'], 'StorageTool random-uuid');
    const clusterId = out.trim().split('\n').pop().trim();
    if (!/^[A-Za-z0-9_-]{22}$/.test(clusterId)) throw new Error(`unexpected cluster id from StorageTool: ${JSON.stringify(out)}`);
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    layout = { clusterId, layout: layoutKey(nodes), nodes: nodes.length };
  }
  // controller.quorum.voters is a static quorum: StorageTool format refuses --standalone/--initial-controllers
  // with it ("You cannot specify controller.quorum.voters and format the node with ..."). One JVM per node,
  // in parallel.
  const unformatted = nodes.filter((n) => !existsSync(join(nodeDataDir(n.id), 'meta.properties')));
  await Promise.all(
    unformatted.map((n) =>
      runTool(['kafka.tools.StorageTool', 'format', '-t', layout.clusterId, '-c', propsFile(n.id)], `StorageTool format node ${n.id}`),
    ),
  );
  writeFileSync(layoutFile, JSON.stringify(layout, null, 2) + '\n');

  const t0 = Date.now();
  for (const n of toStart) {
    if (existsSync(logFile(n.id))) renameSync(logFile(n.id), `${logFile(n.id)}.1`); // keep the previous run's log
    const out = openSync(logFile(n.id), 'a');
    const child = spawn(
      java,
      [
        ...HEAP_OPTS,
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(configDir, 'log4j2.xml')}`,
        '-cp',
        `${libDir}/*`,
        'kafka.Kafka',
        propsFile(n.id),
      ],
      { cwd: home, detached: true, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    child.unref();
    writeFileSync(pidFile(n.id), `${child.pid}\n`);
  }
  writeFileSync(
    join(runDir, 'state.json'),
    JSON.stringify({ nodes, layout: layoutKey(nodes), brokers: brokersOf(nodes), clusterId: layout.clusterId }, null, 2) + '\n',
  );
  log(`starting ${toStart.length} node${toStart.length > 1 ? 's' : ''} (cluster ${layout.clusterId}); logs in ${logsDir}`);

  try {
    const deadline = t0 + START_TIMEOUT_MS;
    await waitReady(nodes, deadline);
    const tBrokers = Date.now();
    await warmUp(nodes, deadline);
    log(`brokers up in ${secs(tBrokers - t0)}, internal topics ready ${secs(Date.now() - tBrokers)} later`);
  } catch (e) {
    log('stopping the nodes, so the next start begins clean');
    await stop(false, { quiet: true });
    throw e;
  }
  log(`ready in ${secs(Date.now() - t0)}: ${brokersOf(nodes)}`);
  console.log(`KAFKA_BROKERS=${brokersOf(nodes)}`);
}

async function waitReady(nodes, deadline) {
  const pending = new Set(nodes.map((n) => n.id));
  while (pending.size > 0) {
    for (const n of nodes) {
      if (!pending.has(n.id)) continue;
      if (!isOurs(readPid(n.id), n.id)) {
        process.stderr.write(`--- last lines of ${logFile(n.id)} ---\n${logTail(n.id)}`);
        throw new Error(`Kafka node ${n.id} exited during startup; see its log above`);
      }
      if (await nodeReady(n, nodes)) pending.delete(n.id);
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      for (const id of pending) process.stderr.write(`--- last lines of ${logFile(id)} ---\n${logTail(id)}`);
      throw new Error(
        `Kafka node(s) ${[...pending].join(', ')} not ready after ${secs(START_TIMEOUT_MS)} ` +
          `(waiting for "Kafka Server started" and all ${nodes.length} broker(s) in metadata); logs above`,
      );
    }
    await sleep(200);
  }
}

// Have the broker create __consumer_offsets and __transaction_state now rather than on the first test's
// consumer-group join / idempotent producer (which would otherwise see "coordinator not available" retries
// and a ~1.5 s first join). Creating those 100 partitions keeps each broker busy applying metadata for a
// few more seconds; a topic created during that window is missing from the broker's metadata for a while,
// and kafkajs' createTopics({ waitForLeaders: true }) fails on that with UNKNOWN_TOPIC_OR_PARTITION (it
// only retries LEADER_NOT_AVAILABLE). So end with a probe topic that must show up, led, on every broker.
async function warmUp(nodes, deadline) {
  const until = async (what, attempt) => {
    let last;
    while ((last = await attempt()) !== true) {
      if (Date.now() > deadline) throw new Error(`${what} after ${secs(START_TIMEOUT_MS)} (last answer: ${last})`);
      await sleep(50);
    }
  };
  const port = nodes[0].port;
  await Promise.all(
    [0, 1].map((keyType) =>
      until(`${keyType ? 'transaction' : 'group'} coordinator not available`, async () => {
        const code = await findCoordinator(port, 'relay-kafka-mjs-warmup', keyType);
        return code === 0 || `error code ${code}`;
      }),
    ),
  );
  const probe = `relay-kafka-mjs-probe-${process.pid}`;
  await until('could not create the probe topic', async () => {
    const code = await createTopic(port, probe, 1, nodes.length);
    return code === 0 || code === 36 || `error code ${code}`; // 36 = TOPIC_ALREADY_EXISTS
  });
  for (const n of nodes) {
    await until(`probe topic not visible on node ${n.id}`, async () => {
      const t = (await metadata(n.port, [probe]))?.topics?.[0];
      return (t?.error === 0 && t.partitions.length > 0 && t.partitions.every((pt) => pt.leader >= 0)) || `error code ${t?.error}`;
    });
  }
  await until('could not delete the probe topic', async () => {
    const code = await deleteTopic(port, probe);
    return code === 0 || code === 3 || `error code ${code}`; // 3 = UNKNOWN_TOPIC_OR_PARTITION: already gone
  });
}

async function stop(clean, { quiet = false } = {}) {
  const ids = knownNodes();
  const alive = ids.filter((id) => isOurs(readPid(id), id));
  const t0 = Date.now();
  if (alive.length === 0) {
    if (!quiet) log(ids.length ? 'not running (removing stale pid files)' : 'not running');
  } else {
    if (!quiet) log(`stopping node${alive.length > 1 ? 's' : ''} ${alive.join(', ')}`);
    // All at once: a KRaft node's controlled shutdown needs a controller quorum, which stopping nodes one
    // by one would take away from the last ones.
    for (const id of alive) signal(readPid(id), 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (Date.now() < deadline && alive.some((id) => isOurs(readPid(id), id))) await sleep(100);
    const stuck = alive.filter((id) => isOurs(readPid(id), id));
    if (stuck.length) {
      log(`node${stuck.length > 1 ? 's' : ''} ${stuck.join(', ')} still up after ${secs(STOP_TIMEOUT_MS)}; sending SIGKILL`);
      for (const id of stuck) signal(readPid(id), 'SIGKILL');
      const killDeadline = Date.now() + 5000;
      while (Date.now() < killDeadline && stuck.some((id) => isOurs(readPid(id), id))) await sleep(50);
    }
    if (!quiet) log(`stopped in ${secs(Date.now() - t0)}`);
  }
  for (const id of ids) rmSync(pidFile(id), { force: true });
  rmSync(join(runDir, 'state.json'), { force: true });
  if (clean) {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(logsDir, { recursive: true, force: true });
    log(`deleted ${dataDir} and ${logsDir}`);
  }
}

async function status() {
  const state = readState();
  const ids = knownNodes();
  if (!state || ids.length === 0) {
    log('not running');
    return 3;
  }
  const nodes = state.nodes;
  let ok = true;
  for (const n of nodes) {
    const pid = readPid(n.id);
    const up = isOurs(pid, n.id);
    const md = up ? await metadata(n.port) : null;
    const ready = md !== null && md.brokers.length === nodes.length;
    ok &&= ready;
    log(
      `node ${n.id}: ${up ? `pid ${pid}` : 'not running'}, localhost:${n.port}` +
        (md ? `, sees ${md.brokers.length}/${nodes.length} brokers` : up ? ', not answering' : ''),
    );
  }
  log(`cluster ${state.clusterId}: ${ok ? 'ready' : 'NOT ready'}`);
  if (ok) console.log(`KAFKA_BROKERS=${state.brokers}`);
  return ok ? 0 : 3;
}

// ---------------------------------------------------------------------------------------------- main

const USAGE = `usage: node scripts/kafka.mjs start [--nodes 1|3] | stop [--clean] | status`;

async function main(argv) {
  const [cmd, ...rest] = argv;
  const flag = (name) => rest.includes(name);
  const option = (name, fallback) => {
    const i = rest.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return fallback;
    return rest[i].includes('=') ? rest[i].split('=')[1] : rest[i + 1];
  };
  switch (cmd) {
    case 'start':
      await start(Number(option('--nodes', '1')));
      return 0;
    case 'stop':
      await stop(flag('--clean'));
      return 0;
    case 'status':
      return status();
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return cmd ? 0 : 2;
    default:
      throw new UsageError(`unknown command ${cmd}\n${USAGE}`);
  }
}

runCli(main, log);
