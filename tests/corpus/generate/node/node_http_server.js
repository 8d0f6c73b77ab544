'use strict';
// Bare node:http server whose handler writes err.stack / err.message into the body.
const http = require('http');
const orders = require('./src/services/orders');
http.createServer((req, res) => {
  try {
    if (req.url === '/summary') orders.orderSummary([], { id: 3, customerId: 5 });
    if (req.url === '/secrets') orders.loadSecrets();
    res.end('ok');
  } catch (err) {
    res.writeHead(500, { 'Content-Type': 'text/plain' });
    res.end(req.url === '/secrets' ? `Error: ${err.message}` : err.stack);
  }
}).listen(Number(process.env.PORT), '127.0.0.1');
