<?php
// auto_prepend_file: an app that fails mid-request answers 500 (PHP itself only
// sends 500 for a fatal error when nothing was output / display_errors=Off).
http_response_code(500);
