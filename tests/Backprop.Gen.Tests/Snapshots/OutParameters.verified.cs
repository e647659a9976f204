        public static void PolarBackward(double x, double y, out double r, out double theta, ref double dX, ref double dY, double dR, double dTheta)
        {
            // forward sweep
            double rValue = 0.0;
            double thetaValue = 0.0;
            double _t0 = x * x + y * y;
            rValue = global::System.Math.Sqrt(_t0);
            thetaValue = global::System.Math.Atan2(y, x);
            r = rValue;
            theta = thetaValue;

            // reverse sweep
            double _d_rValue = dR;
            double _d_thetaValue = dTheta;

            // theta = Math.Atan2(y, x);
            dY += _d_thetaValue * (x / (x * x + y * y));
            dX -= _d_thetaValue * (y / (x * x + y * y));
            _d_thetaValue = 0.0;

            // r = Math.Sqrt(x * x + y * y);
            double _d_t0 = _d_rValue * (0.5 / rValue);
            _d_rValue = 0.0;
            dX += 2.0 * _d_t0 * x;
            dY += 2.0 * _d_t0 * y;
        }