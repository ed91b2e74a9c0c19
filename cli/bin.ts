#!/usr/bin/env node
// The `signet` command's entry: runs main with the process's arguments and sets its exit code.
import { main } from './main'

process.exitCode = await main(process.argv.slice(2))
