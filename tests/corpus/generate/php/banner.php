<?php
http_response_code(503);
echo "<html><body><h1>Service Unavailable</h1><hr><address>" . $_SERVER['SERVER_SOFTWARE'] . " (PHP " . PHP_VERSION . ", " . php_uname('s') . ")</address></body></html>";
