'use strict';
const fs = require('fs');

function findCustomer(customers, id) {
  return customers.find((c) => c.id === id);
}

function orderSummary(customers, order) {
  const customer = findCustomer(customers, order.customerId);
  return { id: order.id, email: customer.email, total: order.total };
}

function parseWebhook(raw) {
  return JSON.parse(raw);
}

function loadSecrets() {
  return JSON.parse(fs.readFileSync('/srv/app/config/secrets.json', 'utf8'));
}

async function chargeCard(order) {
  try {
    throw new RangeError(`amount ${order.total} exceeds card limit`);
  } catch (err) {
    throw new Error(`payment for order ${order.id} failed`, { cause: err });
  }
}

module.exports = { orderSummary, parseWebhook, loadSecrets, chargeCard };
