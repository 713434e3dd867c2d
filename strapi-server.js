'use strict';

// Fallback entry for tools that look for strapi-server.js at the package root instead of the
// `./strapi-server` export. It serves the built server bundle.
const server = require('./dist/server');

module.exports = server.default ?? server;
