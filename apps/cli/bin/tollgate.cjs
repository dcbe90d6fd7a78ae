#!/usr/bin/env node
// `tollgate`: the operator command (accounts, spend tokens, usage, reconcile).
require('../../../tools/run-app-bin.cjs')(require('node:path').join(__dirname, '..'));
