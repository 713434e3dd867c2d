'use strict';

// Fallback entry for Strapi versions and tools that look for strapi-server.js at the package root.
module.exports = require('./dist/server');
