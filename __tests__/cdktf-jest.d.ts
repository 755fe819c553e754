// Brings cdktf's jest matcher types (registered at runtime by setup.js) into the type-check.
import 'cdktf/lib/testing/adapters/jest';
