// mosca for the conformance suite: MQTT over TCP and, through its http interface, WebSocket on
// 127.0.0.1 with the users and the ACL that profile.toml describes. node server.js TCP_PORT WS_PORT.
'use strict';

const mosca = require('mosca');

const host = '127.0.0.1';
const tcpPort = Number(process.argv[2]);
const wsPort = Number(process.argv[3]);
if (!Number.isInteger(tcpPort) || !Number.isInteger(wsPort)) {
  console.error('usage: node server.js TCP_PORT WS_PORT');
  process.exit(2);
}

// The profile's user and denied topic; anonymous clients are let in as well.
const userName = 'harness';
const password = 'harness-secret';
const deniedTopic = 'test/nosubscribe';

const server = new mosca.Server({
  host,
  interfaces: [{ type: 'mqtt', port: tcpPort }, { type: 'http', port: wsPort }],
  // Retained messages and the sessions of Clean Session 0 clients live in mosca's memory
  // persistence (memdown): without one mosca keeps neither.
  persistence: { factory: mosca.persistence.Memory },
  logger: { level: 'warn' },
});

// Anonymous clients are accepted; a client that names a user must give its password. mosca
// answers an error with CONNACK 0x04 Bad User Name or Password and a false verdict with 0x05.
server.authenticate = (client, givenUser, givenPassword, callback) => {
  if (givenUser === undefined && givenPassword === undefined) return callback(null, true);
  if (givenUser === userName && givenPassword !== undefined && givenPassword.toString() === password) {
    return callback(null, true);
  }
  callback(new Error('bad user name or password'), false);
};

// A refused PUBLISH closes the connection, one of the two reactions MQTT-3.3.5-2 allows.
server.authorizePublish = (client, topic, payload, callback) => callback(null, topic !== deniedTopic);

// A refused filter is answered with 0x80 Failure in the SUBACK (MQTT-3.9.3-2).
server.authorizeSubscribe = (client, topic, callback) => callback(null, topic !== deniedTopic);

// Nothing on the denied topic reaches a client, whatever filter matched it.
server.authorizeForward = (client, packet, callback) => callback(null, packet.topic !== deniedTopic);

server.on('ready', () => console.error(`mosca MQTT over TCP on ${host}:${tcpPort}, WebSocket on ${host}:${wsPort}`));
server.on('error', (error) => {
  console.error(`mosca: ${error.message}`);
  process.exit(1);
});

// SIGTERM (kill PID) ends the process at once: the persistence is in memory, nothing to flush.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
