// Registers cdktf's jest matchers (toHaveResourceWithProperties, toHaveProvider, ...).
const { Testing } = require('cdktf');

Testing.setupJest();
