import { serve } from '../serve.js';
import { AppModule } from './app.module.js';

serve(AppModule);
