// Interop: MQTT.js (npm `mqtt`, installed here by tools/bootstrap) against mqtt-ref-broker, one
// feature per run, MQTT 3.1.1 or 5.0 over mqtt:// or ws://.
// Usage: node mqttjs_clients.js BROKER_EXE 311|5 mqtt|ws qos0|qos1|qos2|retain|will|session
// Exit 0 pass, 1 fail (with the broker's -v log), 77 skip (MQTT.js not installed).
'use strict';

const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const readline = require('node:readline');
const { Failure, Skip, run, expectEqual, withTimeout, sleep } = require('./interop_support');

let mqtt = null;
let loadError = null;
try {
  mqtt = require('mqtt');
} catch (e) {
  loadError = e;
}

const WAIT_MS = 10000; // bound on every single wait for a broker answer or a delivery
const QUIET_MS = 300; // after the last expected message: nothing else may arrive in this time
const KEEP_ALIVE_S = 30;
const SESSION_EXPIRY_S = 300;
const VICTIM_USER_PROPERTIES = { origin: 'victim', seq: '1' };

// Statement IDs each check stands on, per protocol version.
function ids(version) {
  if (version === '311') {
    return {
      ordered: 'MQTT-4.6.0-6', downgrade: 'MQTT-3.8.4-6', retainNew: 'MQTT-3.3.1-8',
      retainLive: 'MQTT-3.3.1-9', retainClear: 'MQTT-3.3.1-10', willSent: 'MQTT-3.1.2-8',
      willRemoved: 'MQTT-3.1.2-10', sessionKept: 'MQTT-3.1.2-4', sessionPresent: 'MQTT-3.2.2-2',
      sessionDiscarded: 'MQTT-3.1.2-6',
    };
  }
  return {
    ordered: 'MQTT-4.6.0-5', downgrade: 'MQTT-3.8.4-8', retainNew: 'MQTT-3.3.1-9',
    retainLive: 'MQTT-3.3.1-12', retainClear: 'MQTT-3.3.1-6', willSent: 'MQTT-3.1.2-8',
    willRemoved: 'MQTT-3.1.2-10', sessionKept: 'MQTT-3.1.2-5', sessionPresent: 'MQTT-3.2.2-3',
    sessionDiscarded: 'MQTT-3.1.2-4',
  };
}

// Messages as they arrive, and bounded waits for them.
class Inbox {
  constructor(name) {
    this.name = name;
    this.items = [];
    this.wake = null;
  }

  push(item) {
    this.items.push(item);
    if (this.wake) this.wake();
  }

  // Exactly `count` messages: waits for them, then QUIET_MS for any extra; returns all.
  async take(count, what) {
    const deadline = Date.now() + WAIT_MS;
    while (this.items.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Failure(`client '${this.name}': ${what}: ${this.items.length} of ${count} messages ` +
          `within ${WAIT_MS / 1000} s; received:\n` + this.items.map((m) => `  ${JSON.stringify(m.msg)}`).join('\n'));
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    await sleep(QUIET_MS);
    return this.items.splice(0);
  }
}

class Client {
  constructor(name, ctx, { clientId = '', clean = true, sessionExpiryS, will } = {}) {
    this.name = name;
    this.ctx = ctx;
    this.options = {
      protocolVersion: ctx.version === '5' ? 5 : 4,
      clientId: clientId || `interop-${name}-${process.pid}`,
      clean,
      keepalive: KEEP_ALIVE_S,
      reconnectPeriod: 0,
      connectTimeout: WAIT_MS,
    };
    if (ctx.version === '5' && sessionExpiryS !== undefined) {
      this.options.properties = { sessionExpiryInterval: sessionExpiryS };
    }
    if (will) this.options.will = will;
    this.inbox = new Inbox(name);
    this.client = null;
    this.sendQuota = Infinity;
  }

  // Connects and waits for the CONNACK; returns Session Present.
  async connect() {
    this.client = mqtt.connect(this.ctx.url, this.options);
    // Messages of a resumed session may follow the CONNACK at once: listen from the start.
    this.client.on('message', (topic, payload, packet) => this.inbox.push({
      msg: [packet.retain ? 1 : 0, packet.qos, topic, showPayload(payload)],
      properties: packet.properties || {},
    }));
    this.client.on('error', () => {}); // reported through the waits below
    this.client.on('disconnect', (packet) => { this.serverDisconnect = packet; });
    this.closed = new Promise((resolve) => this.client.once('close', resolve));
    const connack = await withTimeout(new Promise((resolve, reject) => {
      this.client.once('connect', resolve);
      this.client.once('error', (e) => reject(new Failure(`client '${this.name}': ${e.message}`)));
    }), WAIT_MS, `client '${this.name}': CONNACK`);
    // 5.0: at most Receive Maximum unacknowledged QoS 1 and 2 PUBLISH packets (MQTT-3.3.4-7).
    // MQTT.js leaves that to the application; 3.1.1 has no such limit.
    if (this.ctx.version === '5') this.sendQuota = connack.properties?.receiveMaximum ?? 65535;
    return connack.sessionPresent;
  }

  async subscribe(topic, qos, rap = false) {
    const options = { qos };
    if (rap) options.rap = true;
    const granted = await withTimeout(this.client.subscribeAsync(topic, options), WAIT_MS,
      `client '${this.name}': SUBACK for ${topic}`);
    const qosGranted = granted.map((g) => g.qos);
    if (JSON.stringify(qosGranted) !== JSON.stringify([qos])) {
      throw new Failure(`client '${this.name}': SUBACK for ${topic} granted ${qosGranted} (requested QoS ${qos})`);
    }
  }

  // Publishes [topic, payload, qos, retain] items in order, keeping at most sendQuota QoS 1 and 2
  // handshakes open; waits for every handshake to complete.
  async publishAll(items) {
    const all = [];
    const open = new Set();
    for (const [topic, payload, qos, retain] of items) {
      if (qos > 0 && open.size >= this.sendQuota) await Promise.race(open);
      const what = `QoS ${qos} publish of ${JSON.stringify(showPayload(payload))} to ${topic}`;
      const done = withTimeout(Promise.race([
        this.client.publishAsync(topic, payload, { qos, retain }),
        this.closed.then(() => { throw new Failure(this.closedWhile(what, open.size)); }),
      ]), WAIT_MS, `client '${this.name}': ${what} acknowledged`);
      done.catch(() => {}); // reported by Promise.all below, even if it fails while we wait
      all.push(done);
      if (qos > 0) {
        const tracked = done.catch(() => {}).finally(() => open.delete(tracked));
        open.add(tracked);
      }
    }
    await Promise.all(all);
  }

  closedWhile(what, openCount) {
    const reason = this.serverDisconnect
      ? `DISCONNECT from the broker, reason code 0x${this.serverDisconnect.reasonCode.toString(16)}`
      : 'no DISCONNECT from the broker';
    return `client '${this.name}': connection closed (${reason}) before the ${what} was acknowledged; ` +
      `${openCount} QoS 1/2 handshakes were open`;
  }

  async take(count, what) {
    return this.inbox.take(count, what);
  }

  // Normal DISCONNECT, waiting for the connection to close.
  async disconnect() {
    await withTimeout(this.client.endAsync(), WAIT_MS, `client '${this.name}': DISCONNECT and close`);
  }

  stop() {
    if (this.client && !this.client.disconnected) this.client.end(true);
  }
}

const msgs = (items) => items.map((m) => m.msg);

// Short payloads as text, long ones as length and digest, so failure reports stay readable.
function showPayload(payload) {
  const bytes = Buffer.from(payload);
  if (bytes.length <= 64) return bytes.toString('utf8');
  return `<${bytes.length} bytes, sha256 ${crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16)}>`;
}

// 100 messages, one of them 300 KB so it spans many TCP segments and WebSocket frames.
function qosPayloads() {
  const payloads = [...Array(100).keys()].map((i) => `m${i + 1}`);
  payloads[49] = Array.from({ length: 300000 }, (_, i) => String.fromCharCode(0x41 + (i % 26))).join('');
  return payloads.concat(['end']);
}

class Test {
  constructor(version, transport, url) {
    this.ctx = { version, transport, url };
    this.ids = ids(version);
    this.clients = [];
  }

  client(name, options) {
    const c = new Client(name, this.ctx, options);
    this.clients.push(c);
    return c;
  }

  async connected(name, options) {
    const c = this.client(name, options);
    await c.connect();
    return c;
  }

  stop() {
    for (const c of this.clients) c.stop();
  }

  async qos(qos) {
    const topic = `interop/qos${qos}`;
    const high = await this.connected('high');
    await high.subscribe(topic, 2);
    const low = await this.connected('low');
    await low.subscribe(topic, 1);
    const payloads = qosPayloads();
    const pub = await this.connected('publisher');
    await pub.publishAll(payloads.map((p) => [topic, p, qos, false]));
    expectEqual(`QoS ${qos} publishes to a QoS 2 subscription: each once, in order, at QoS ${qos} (${this.ids.ordered})`,
      payloads.map((p) => [0, qos, topic, showPayload(p)]), msgs(await high.take(payloads.length, 'QoS 2 subscriber')));
    const lowQos = Math.min(qos, 1);
    expectEqual(`QoS ${qos} publishes to a QoS 1 subscription: each once, in order, at QoS ${lowQos} (${this.ids.downgrade})`,
      payloads.map((p) => [0, lowQos, topic, showPayload(p)]), msgs(await low.take(payloads.length, 'QoS 1 subscriber')));
  }

  async retain() {
    const t = 'interop/retain';
    const pub = await this.connected('publisher');
    await pub.publishAll([[`${t}/a`, 'kept-a', 1, true]]);
    const first = await this.connected('first');
    await first.subscribe(`${t}/#`, 1);
    const got = await first.take(1, 'retained message on subscribing');
    let rap = null;
    if (this.ctx.version === '5') {
      rap = await this.connected('retain-as-published');
      await rap.subscribe(`${t}/#`, 1, true);
      await rap.take(1, 'retained message on subscribing');
    }
    await pub.publishAll([[`${t}/a`, 'live-a', 1, true]]);
    got.push(...await first.take(1, 'live retained publish'));
    expectEqual(`retained message sent on subscribing with RETAIN 1 (${this.ids.retainNew}), ` +
      `then a live retained publish with RETAIN 0 (${this.ids.retainLive})`,
    [[1, 1, `${t}/a`, 'kept-a'], [0, 1, `${t}/a`, 'live-a']], msgs(got));
    if (rap) {
      expectEqual('Retain As Published subscription: a live retained publish keeps RETAIN 1 (MQTT-3.3.1-13)',
        [[1, 1, `${t}/a`, 'live-a']], msgs(await rap.take(1, 'live retained publish')));
    }

    await pub.publishAll([[`${t}/b`, 'kept-b', 2, true]]);
    const second = await this.connected('second');
    await second.subscribe(`${t}/#`, 2);
    const later = msgs(await second.take(2, 'retained messages on subscribing'));
    later.sort((a, b) => (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
    expectEqual(`a later subscriber gets the latest retained message of each topic with RETAIN 1 ` +
      `(${this.ids.retainNew}, MQTT-3.3.1-5) (sorted by topic)`,
    [[1, 1, `${t}/a`, 'live-a'], [1, 2, `${t}/b`, 'kept-b']], later);

    await pub.publishAll([[`${t}/a`, '', 1, true]]);
    const third = await this.connected('third');
    await third.subscribe(`${t}/#`, 1);
    expectEqual(`a retained message with an empty payload clears the topic's retained message ` +
      `(${this.ids.retainClear}); only ${t}/b is left`,
    [[1, 1, `${t}/b`, 'kept-b']], msgs(await third.take(1, 'retained messages on subscribing')));
  }

  async will() {
    const watcher = await this.connected('watcher');
    await watcher.subscribe('interop/will/#', 1);
    // A normal DISCONNECT discards the will.
    const clean = await this.connected('clean', {
      clientId: 'interop-will-clean',
      will: { topic: 'interop/will/clean', payload: 'must not be published', qos: 1, retain: false },
    });
    await clean.disconnect();
    // A client that dies without DISCONNECT has its will published.
    const victim = childProcess.spawn(process.execPath,
      [__filename, '--victim', this.ctx.version, this.ctx.transport, this.ctx.url],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let victimErr = '';
    victim.stderr.on('data', (d) => { victimErr += d; });
    try {
      const lines = readline.createInterface({ input: victim.stdout });
      const line = await withTimeout(new Promise((resolve) => lines.once('line', resolve)), WAIT_MS,
        'will client connected');
      if (line !== 'ready') throw new Failure(`will client: ${line} ${victimErr}`);
      const gone = new Promise((resolve) => victim.once('exit', resolve));
      victim.kill('SIGKILL');
      await withTimeout(gone, WAIT_MS, 'will client killed');
    } finally {
      if (victim.exitCode === null && victim.signalCode === null) victim.kill('SIGKILL');
    }
    const got = await watcher.take(1, `will message after SIGKILL of a connected client (${this.ids.willSent})`);
    const pub = await this.connected('publisher');
    await pub.publishAll([['interop/will/end', 'end', 1, false]]);
    got.push(...await watcher.take(1, 'end marker'));
    expectEqual(`the killed client's will is published (${this.ids.willSent}), the cleanly disconnected ` +
      `client's is not (${this.ids.willRemoved})`,
    [[0, 1, 'interop/will/victim', 'gone'], [0, 1, 'interop/will/end', 'end']], msgs(got));
    if (this.ctx.version === '5') {
      expectEqual('will message user properties unaltered (MQTT-3.1.3-10)',
        [VICTIM_USER_PROPERTIES], [got[0].properties.userProperties || {}]);
    }
  }

  async session() {
    const clientId = `interop-session-${this.ctx.version}-${this.ctx.transport}`;
    const expiry = this.ctx.version === '5' ? SESSION_EXPIRY_S : undefined;
    // Start from no session at all.
    const first = await this.connected('first', { clientId, clean: true });
    await first.disconnect();
    const setup = this.client('setup', { clientId, clean: false, sessionExpiryS: expiry });
    if (await setup.connect()) {
      throw new Failure(`CONNACK Session Present 1 for a client with no stored session (${this.ids.sessionPresent})`);
    }
    await setup.subscribe('interop/session/#', 2);
    await setup.disconnect();

    const pub = await this.connected('publisher');
    // More than the broker's default send window (20) so the resumed queue drains through it.
    const offline = [...Array(35).keys()].map((i) => [`m${i + 1}`, i < 25 ? 1 : 2]);
    await pub.publishAll(offline.map(([p, q]) => ['interop/session/a', p, q, false]));

    const resume = this.client('resume', { clientId, clean: false, sessionExpiryS: expiry });
    if (!await resume.connect()) {
      throw new Failure(`CONNACK Session Present 0 on resuming a stored session (${this.ids.sessionPresent})`);
    }
    const got = await resume.take(offline.length, 'messages queued while disconnected');
    await pub.publishAll([['interop/session/a', 'live', 1, false]]);
    got.push(...await resume.take(1, 'live message on the kept subscription'));
    expectEqual(`QoS 1 and 2 messages published while a persistent session was disconnected arrive on ` +
      `reconnect without subscribing again, in order (${this.ids.sessionKept}, ${this.ids.ordered}), ` +
      `then the kept subscription goes on`,
    offline.map(([p, q]) => [0, q, 'interop/session/a', p]).concat([[0, 1, 'interop/session/a', 'live']]),
    msgs(got));
    await resume.disconnect();

    // Clean Session / Clean Start 1 discards the stored session: its queued message and its
    // subscription.
    await pub.publishAll([['interop/session/a', 'discarded', 1, false]]);
    const fresh = this.client('fresh', { clientId, clean: true });
    if (await fresh.connect()) {
      throw new Failure('CONNACK Session Present 1 on a Clean Session / Clean Start 1 connection ' +
        `(${this.ids.sessionDiscarded})`);
    }
    await pub.publishAll([['interop/session/a', 'unsubscribed', 1, false]]);
    expectEqual(`a clean connection gets nothing of the discarded session (${this.ids.sessionDiscarded})`,
      [], msgs(await fresh.take(0, 'nothing')));
    await fresh.disconnect();

    if (this.ctx.version === '5') {
      // A session whose expiry interval has passed is gone.
      const short = this.client('short', { clientId, clean: true, sessionExpiryS: 1 });
      await short.connect();
      await short.disconnect();
      await sleep(2000);
      const late = this.client('late', { clientId, clean: false, sessionExpiryS: 1 });
      if (await late.connect()) {
        throw new Failure('CONNACK Session Present 1 after the Session Expiry Interval (1 s) had passed ' +
          'with the client disconnected (MQTT-4.1.0-2)');
      }
    }
  }
}

// Child process: connect with a will, say `ready`, wait to be killed.
async function victim(version, transport, url) {
  const will = { topic: 'interop/will/victim', payload: 'gone', qos: 1, retain: false };
  if (version === '5') will.properties = { userProperties: VICTIM_USER_PROPERTIES };
  const c = new Client('victim', { version, transport, url }, { clientId: 'interop-will-victim', will });
  await c.connect();
  console.log('ready');
  setTimeout(() => process.exit(2), 60000);
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--victim' && args.length === 4) {
    await victim(args[1], args[2], args[3]);
    return;
  }
  const [exe, version, transport, feature] = args;
  if (args.length !== 4 || !['311', '5'].includes(version) || !['mqtt', 'ws'].includes(transport)) {
    console.error('usage: node mqttjs_clients.js BROKER_EXE 311|5 mqtt|ws qos0|qos1|qos2|retain|will|session');
    process.exit(2);
  }
  const config = ['listener 0 127.0.0.1'];
  if (transport === 'ws') config.push('protocol websockets');
  await run(`mqtt.js v${version} ${transport} ${feature}`, exe, config, async (broker) => {
    if (!mqtt) {
      throw new Skip(`MQTT.js not installed (${loadError.code || loadError.message}); ` +
        'tools/bootstrap runs npm ci in tests/interop/node');
    }
    const scheme = transport === 'ws' ? 'ws' : 'tcp';
    if (!(scheme in broker.ports)) throw new Failure(`broker printed no ${scheme}:// listener`);
    const url = transport === 'ws' ? `ws://127.0.0.1:${broker.ports.ws}/mqtt` : `mqtt://127.0.0.1:${broker.ports.tcp}`;
    const test = new Test(version, transport, url);
    try {
      const m = /^qos([012])$/.exec(feature);
      if (m) await test.qos(Number(m[1]));
      else if (['retain', 'will', 'session'].includes(feature)) await test[feature]();
      else throw new Failure(`unknown feature ${feature}`);
    } finally {
      test.stop();
    }
  });
}

main().catch((e) => {
  console.error(e.stack || e);
  process.exit(1);
});
