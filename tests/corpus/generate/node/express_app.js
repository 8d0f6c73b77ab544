'use strict';
// Express 5 app for capturing Express/finalhandler bodies.
// NODE_ENV=development -> default error handler prints err.stack in HTML.
const express = require('express');
const orders = require('./src/services/orders');

const app = express();
app.use(express.json({ limit: '1kb' }));

app.get('/orders/:id', (req, res) => {
  res.json(orders.orderSummary([{ id: 1, email: 'a@example.com' }], { id: req.params.id, customerId: 99, total: 5 }));
});
app.post('/webhook', (req, res) => res.json({ ok: true, got: req.body }));
app.get('/secrets', (req, res) => res.json(orders.loadSecrets()));
app.get('/charge/:id', async (req, res) => { await orders.chargeCard({ id: req.params.id, total: 99999 }); res.send('ok'); });
app.get('/api/report', (req, res) => {
  try {
    orders.parseWebhook('{"rows": [1, 2,');
  } catch (err) {
    res.status(500).json({ message: err.message, stack: err.stack });
  }
});
app.get('/api/users/:id', (req, res) => {
  res.status(404).json({ error: 'not_found', message: `User ${req.params.id} does not exist.` });
});

app.listen(Number(process.env.PORT), '127.0.0.1');
