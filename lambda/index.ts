// Placeholder; replaced by the real processor.
export const handler = async (event: unknown) => ({ statusCode: 200, body: JSON.stringify({ received: event !== undefined }) });
