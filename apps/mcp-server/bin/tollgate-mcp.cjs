#!/usr/bin/env node
// `tollgate-mcp`: the MCP stdio server over the tollgate gateway (stdout carries the MCP protocol only).
require('../../../tools/run-app-bin.cjs')(require('node:path').join(__dirname, '..'));
