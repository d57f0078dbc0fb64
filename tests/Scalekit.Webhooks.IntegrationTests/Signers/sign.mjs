// Signs a body with the senders' own npm packages, so tests check our verification against real signers.
// Input (stdin, JSON): { "scheme": "standardwebhooks" | "stripe", "secret", "id"?, "timestamp" (unix seconds), "body" (string) }
// Output (stdout, JSON): the headers to send.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.SKFN_REPO_ROOT ?? process.cwd(), "package.json"));
const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));

if (input.scheme === "standardwebhooks") {
  const { Webhook } = require("standardwebhooks");
  const signature = new Webhook(input.secret).sign(input.id, new Date(input.timestamp * 1000), input.body);
  console.log(JSON.stringify({ "webhook-id": input.id, "webhook-timestamp": String(input.timestamp), "webhook-signature": signature }));
} else if (input.scheme === "stripe") {
  const Stripe = require("stripe");
  // The client is only used for its offline signing helper; the key is a placeholder, never sent anywhere.
  const stripe = new Stripe("sk_test_placeholder");
  const header = stripe.webhooks.generateTestHeaderString({ payload: input.body, secret: input.secret, timestamp: input.timestamp });
  console.log(JSON.stringify({ "Stripe-Signature": header }));
} else {
  console.error(`unknown scheme ${input.scheme}`);
  process.exit(2);
}
